"""Story linking (pipelines/stories.py) on the labelled set in tests/stories, and in the store stage."""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.items import Article
from crawler.stages import SidecarStage, StoreStage, StoriesStage
from pipelines.extraction import stories
from pipelines.extraction.stories import StoryLinker
from pipelines.storage.catalog import Catalog
from tests.components import open_archive, project_crawler, run, stats_under

HERE = Path(__file__).resolve().parent
SET = HERE / "stories"
REPO = HERE.parent


def text(name: str) -> str:
    return (SET / name).read_text(encoding="utf-8")


class Archive:
    """A catalog in a temporary directory and a linker on it; ``add`` archives and links one text."""

    def __init__(self, path: Path, **settings):
        self.catalog = Catalog(path)
        self.linker = StoryLinker(self.catalog.stories, **settings)

    def add(self, body: str, url: str, canonical_url: str | None = None) -> tuple[int, int, float | None]:
        article_id = self.catalog.add_article({"url": url, "canonical_url": canonical_url, "fetched_at": "2024-02-04",
                                               "text_path": url, "text_sha1": str(hash(body))})
        story_id, score = self.linker.link(article_id, body, url=url, canonical_url=canonical_url)
        return article_id, story_id, score

    def row(self, article_id: int):
        return self.catalog.db.execute("SELECT story_id, story_similarity FROM articles WHERE id = ?",
                                       (article_id,)).fetchone()


@pytest.fixture
def archive(tmp_path):
    archive = Archive(tmp_path / "catalog.sqlite")
    yield archive
    archive.catalog.db.close()


def test_normalisation_folds_outlet_edits():
    a = ("The U.S.-led alliance said on Friday that 100,000 troops were at the border, and the organisation's "
         "defence chief called it \u201cdestabilising\u201d \u2014 the centre of Kyiv's concern, "
         "as President Zelenskyy said.")
    b = ("The US-led alliance said on Friday that 100 000 troops were at the border, and the organization\u2019s "
         "defense chief called it \"destabilizing\" - the center of Kyiv's concern, as President Zelensky said.")
    assert stories.shingle_hashes(a) == stories.shingle_hashes(b)
    assert stories.text_similarity(a, b) == 1.0
    # numbers, and words that differ, still count
    assert stories.shingle_hashes(a) != stories.shingle_hashes(a.replace("100,000", "10,000"))


def test_teaser_lines_and_one_word_lines_make_no_shingles():
    body = "Russia and China called for new talks on shipping in the Black Sea on Tuesday."
    junk = "AFP\nREAD MORE: Putin and Xi pledge to double trade within five years\nLoading...\nSection 4"
    assert stories.shingle_hashes(f"{junk}\n\n{body}") == stories.shingle_hashes(body)
    # a real paragraph that happens to start like a teaser is kept
    paragraph = "Related talks in Geneva on Monday ended without agreement, " + body
    assert stories.shingle_hashes(paragraph) > stories.shingle_hashes(body)


def test_seed_style_pair_is_linked(archive):
    """Our own text with the seeds' edits: US/U.S., Kiev/Kyiv, spelling, punctuation, junk, shorter."""
    wire, trt = text("summit-wire.txt"), text("summit-trt-style.txt")
    assert "U.S.-led" in wire and "US-led" in trt and "Kyiv" in wire and "Kiev" in trt and "READ MORE" in trt
    first, first_story, first_score = archive.add(wire, "https://wire.example/summit")
    second, second_story, second_score = archive.add(trt, "https://trt.example/summit")
    assert (first_story, first_score) == (first, None)
    assert second_story == first
    assert second_score is not None and second_score >= archive.linker.threshold
    assert tuple(archive.row(second)) == (first, second_score)
    assert tuple(archive.row(first)) == (first, None)


def test_versions_link_to_the_first_story_whatever_the_version(archive):
    ids = [archive.add(text(name), f"https://{n}.example/a")
           for n, name in enumerate(["chips-az.txt", "chips-wire.txt", "chips-tech.txt"])]
    assert [story for _, story, _ in ids] == [ids[0][0]] * 3


@pytest.mark.parametrize("story, others", [
    ("summit-wire.txt", ["topic-russia-china-drills.txt", "topic-turkey-kyiv-grain.txt"]),
    ("wildfire-wire.txt", ["topic-algarve-fire.txt"]),
    ("rates-wire.txt", ["topic-riksbank.txt"]),
    ("quake-wire.txt", ["topic-chile-quake.txt"]),
    ("chips-wire.txt", ["topic-ohio-chips.txt"]),
    ("strike-wire.txt", ["topic-antwerp-pilots.txt"]),
])
def test_same_topic_different_stories_are_not_linked(archive, story, others):
    first, _, _ = archive.add(text(story), "https://a.example/story")
    for n, name in enumerate(others):
        article_id, story_id, score = archive.add(text(name), f"https://b.example/{n}")
        assert (story_id, score) == (article_id, None), name


@pytest.mark.parametrize("day1, day2", [
    ("wildfire-wire.txt", "followup-evia-day2.txt"),
    ("wildfire-short.txt", "followup-evia-day2.txt"),
    ("quake-wire.txt", "followup-peru-day2.txt"),
    ("followup-rotterdam-eve.txt", "strike-wire.txt"),
])
def test_follow_ups_are_not_linked(archive, day1, day2):
    archive.add(text(day1), "https://a.example/day1")
    article_id, story_id, score = archive.add(text(day2), "https://a.example/day2")
    assert (story_id, score) == (article_id, None)
    # and they are below the threshold, not just missed by the candidate lookup
    assert stories.text_similarity(text(day1), text(day2)) < archive.linker.threshold


def test_a_revision_keeps_its_story_regardless_of_similarity(archive):
    first, _, _ = archive.add(text("quake-wire.txt"), "https://news.example/quake")
    archive.add(text("topic-riksbank.txt"), "https://news.example/rates")
    # the page was rewritten completely: still the same story, by URL ...
    revision, story_id, score = archive.add(text("followup-peru-day2.txt"), "https://news.example/quake")
    assert story_id == first and score is not None and score < 0.3
    # ... or by canonical URL, also for a text too short to compare
    _, story_id, score = archive.add("Updated.", "https://news.example/quake?amp=1",
                                     canonical_url="https://news.example/quake")
    assert (story_id, score) == (first, None)
    assert archive.row(revision)[0] == first


def test_short_texts_get_their_own_story(tmp_path):
    archive = Archive(tmp_path / "catalog.sqlite", min_words=60)
    brief = " ".join(text("quake-wire.txt").split()[:55])
    assert stories.word_count(brief) < 60
    first, _, _ = archive.add(brief, "https://a.example/1")
    second, story_id, score = archive.add(brief, "https://b.example/2")
    assert (story_id, score) == (second, None) and first != second
    # nothing stored for later articles either: the full story does not link to the brief
    third, story_id, _ = archive.add(text("quake-wire.txt"), "https://c.example/3")
    assert story_id == third
    # the same brief is linked when the minimum allows it
    lenient = Archive(tmp_path / "lenient.sqlite", min_words=20)
    first, _, _ = lenient.add(brief, "https://a.example/1")
    assert lenient.add(brief, "https://b.example/2")[1] == first


def test_stories_persist_across_runs(tmp_path):
    path = tmp_path / "catalog.sqlite"
    run1 = Archive(path)
    first, _, _ = run1.add(text("rates-wire.txt"), "https://a.example/rates")
    run1.catalog.db.close()
    run2 = Archive(path)  # a later crawl: new Catalog, new linker, same file
    second, story_id, score = run2.add(text("rates-nordic.txt"), "https://b.example/rates")
    assert second != first and story_id == first and score >= run2.linker.threshold
    run2.catalog.db.close()


def filler(seed: int, words: int = 300) -> str:
    """Unrelated text: random sentences over a small vocabulary, so unigrams overlap but 3-grams rarely."""
    rng = random.Random(seed)
    vocabulary = ["the", "minister", "said", "talks", "would", "continue", "on", "border", "with", "officials",
                  "from", "both", "countries", "next", "week", "while", "markets", "rose", "and", "prices", "fell",
                  "after", "statement", "trade", "energy", "a", "of", "in"]
    return "\n\n".join(" ".join(rng.choice(vocabulary) for _ in range(30)) for _ in range(words // 30))


def test_candidate_lookup_uses_the_bucket_index_not_a_scan(archive):
    for n in range(60):
        archive.add(filler(n), f"https://filler.example/{n}")
    first, _, _ = archive.add(text("strike-wire.txt"), "https://a.example/strike")
    stored = archive.catalog.db.execute("SELECT COUNT(*) FROM story_fingerprints").fetchone()[0]
    assert stored == 61
    _, story_id, _ = archive.add(text("strike-us.txt"), "https://b.example/strike")
    assert story_id == first
    # the similarity was computed for a handful of stored fingerprints, not for all 61
    assert 1 <= archive.linker.last_candidates <= 3
    # and the query that finds them searches the primary key of story_buckets
    buckets = stories.fingerprint(text("strike-us.txt")).bands()
    plan = " ".join(row[-1] for row in archive.catalog.db.execute(
        "EXPLAIN QUERY PLAN SELECT DISTINCT article_id FROM story_buckets WHERE bucket IN "
        f"({', '.join('?' * len(buckets))}) AND article_id < ?", (*buckets, 10**9)))
    assert "SEARCH story_buckets USING PRIMARY KEY" in plan and "SCAN story_buckets" not in plan
    assert len(buckets) == stories.BANDS


def test_minhash_estimate_is_close_to_exact_containment():
    names = sorted(json.loads((SET / "labels.json").read_text()))
    fps = {name: stories.fingerprint(text(name)) for name in names}
    errors = []
    for a, b in itertools.combinations(names, 2):
        sa, sb = stories.shingle_hashes(text(a)), stories.shingle_hashes(text(b))
        exact = len(sa & sb) / min(len(sa), len(sb))
        errors.append(abs(stories.similarity(fps[a], fps[b]) - exact))
    assert max(errors) < 0.12
    assert sum(errors) / len(errors) < 0.03


def test_fingerprints_do_not_depend_on_the_process_hash_seed():
    code = ("import sys; from pipelines.extraction.stories import fingerprint; "
            "sys.stdout.write(fingerprint(open(sys.argv[1]).read()).to_blob().hex())")
    blobs = {subprocess.run([sys.executable, "-c", code, str(SET / "summit-wire.txt")], cwd=REPO, check=True,
                            capture_output=True, text=True,
                            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)}).stdout
             for seed in ("1", "2")}
    assert blobs == {stories.fingerprint(text("summit-wire.txt")).to_blob().hex()}


def load_benchmark():
    spec = importlib.util.spec_from_file_location("stories_benchmark", REPO / "benchmarks" / "stories.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_labelled_set_precision_and_recall():
    bench = load_benchmark()
    texts, labels = bench.load_set(SET)
    assert len(texts) >= 26
    sizes = {story: sum(1 for s in labels.values() if s == story) for story in set(labels.values())}
    assert sum(2 <= size <= 4 for size in sizes.values()) >= 6  # stories with 2-4 versions
    assert sum(name.startswith("topic-") for name in texts) >= 6
    names = sorted(texts)
    totals = [0, 0, 0]
    for n in range(3):  # arrival order matters: the file order and two shuffles
        order = names[:]
        if n:
            random.Random(n).shuffle(order)
        story, _, _ = bench.link_all(texts, order, threshold=stories.DEFAULT_THRESHOLD,
                                     min_words=stories.DEFAULT_MIN_WORDS)
        totals = [t + c for t, c in zip(totals, bench.pair_counts(names, labels, story), strict=True)]
    precision, recall, _ = bench.prf(*totals)
    assert precision == 1.0
    assert recall >= 0.9


def test_the_stories_stage_puts_the_story_on_the_item_row_and_sidecar(tmp_path):
    crawler = project_crawler(tmp_path)
    archive = open_archive(crawler)
    store, linking, sidecars = (stage.from_crawler(crawler) for stage in (StoreStage, StoriesStage, SidecarStage))
    items = [Article(url=f"https://{host}.example/story", fetched_at="2024-02-04T10:00:00+00:00",
                     title="Title", text=text(name))
             for host, name in [("wire", "summit-wire.txt"), ("other", "topic-russia-china-drills.txt"),
                                ("trt", "summit-trt-style.txt")]]
    for item in items:
        sidecars.process_item(linking.process_item(run(store.process_item(item))))
    catalog = archive.local_catalog
    rows = catalog.db.execute("SELECT id, url, story_id, story_similarity FROM articles ORDER BY id").fetchall()
    assert [(row["story_id"], row["story_similarity"]) for row in rows][:2] == [(rows[0]["id"], None),
                                                                                 (rows[1]["id"], None)]
    assert rows[2]["story_id"] == rows[0]["id"] and rows[2]["story_similarity"] >= stories.DEFAULT_THRESHOLD
    assert [(item.story_id, item.story_similarity) for item in items] == [
        (row["story_id"], row["story_similarity"]) for row in rows]
    assert stats_under(crawler, "stories/") == {"stories/new": 2, "stories/linked": 1}
    sidecar = json.loads((tmp_path / items[2].text_path).with_suffix(".json").read_text())
    assert sidecar["story_id"] == rows[0]["id"] and sidecar["id"] == rows[2]["id"]
    archive.close()

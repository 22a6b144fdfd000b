"""Score story linking (pipelines.stories) on the labelled set in tests/stories.

    .venv/bin/python benchmarks/stories.py [--set tests/stories] [--seeds ../shared/seeds] [--orders 5]

Every text of the set is archived as a catalog row (a temporary catalog) and linked in turn,
as a crawl would; two texts are a predicted pair when they end up with the same story_id,
a true pair when labels.json gives them the same story. Precision, recall and F1 are over
pairs, summed over ``--orders`` arrival orders (the file order, then shuffles with fixed
seeds), because which text arrives first changes what is compared with what.

It also prints, for each pairwise similarity measure, the lowest true-pair and highest
false-pair score and the best F1 a single threshold reaches: the chosen MinHash containment,
the exact shingle containment and Jaccard it estimates, and trafilatura's 64-bit SimHash
(the alternative the choice was made against); and the cost of fingerprinting a 1,000-word
article and of linking one.

--seeds DIR links the two seed texts (the same AFP story from two outlets; read where they
lie, never copied) and prints whether they land in one story and at what similarity.
The last line is ``stories precision x.xxx recall x.xxx f1 x.xxx pairs N``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from pipelines.extraction import stories  # noqa: E402
from pipelines.storage.catalog import Catalog  # noqa: E402

SEED_FILES = ("moscow-times-2022-02-04.txt", "trt-world-2022-02-04.txt")


def load_set(directory: Path) -> tuple[dict[str, str], dict[str, str]]:
    labels = json.loads((directory / "labels.json").read_text(encoding="utf-8"))
    texts = {name: (directory / name).read_text(encoding="utf-8") for name in sorted(labels)}
    return texts, labels


def link_all(texts: dict[str, str], order: list[str], *, threshold: float, min_words: int,
             ) -> tuple[dict[str, int], dict[str, float | None], list[float]]:
    """Archive and link the texts in this order in a fresh catalog: name -> story_id, similarity."""
    with tempfile.TemporaryDirectory() as tmp:
        catalog = Catalog(Path(tmp) / "catalog.sqlite")
        linker = stories.StoryLinker(catalog.stories, threshold=threshold, min_words=min_words)
        story, score, timings = {}, {}, []
        for name in order:
            article_id = catalog.add_article({"url": f"https://example.org/{name}", "fetched_at": "2024-01-01",
                                              "text_path": name, "text_sha1": name})
            started = time.perf_counter()
            story[name], score[name] = linker.link(article_id, texts[name], url=f"https://example.org/{name}")
            timings.append(time.perf_counter() - started)
        catalog.db.close()
    return story, score, timings


def pair_counts(names: list[str], labels: dict[str, str], predicted: dict[str, int]) -> tuple[int, int, int]:
    tp = fp = fn = 0
    for a, b in itertools.combinations(names, 2):
        same, linked = labels[a] == labels[b], predicted[a] == predicted[b]
        tp += same and linked
        fp += linked and not same
        fn += same and not linked
    return tp, fp, fn


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def exact_scores(a: str, b: str) -> tuple[float, float]:
    sa, sb = stories.shingle_hashes(a), stories.shingle_hashes(b)
    common = len(sa & sb)
    return common / min(len(sa), len(sb)), common / len(sa | sb)


def measures(texts: dict[str, str], labels: dict[str, str]) -> None:
    from trafilatura.deduplication import Simhash

    fps = {name: stories.fingerprint(text) for name, text in texts.items()}
    sims = {name: Simhash(text) for name, text in texts.items()}
    chosen: list[tuple[float, bool, str]] = []
    scored: dict[str, list[tuple[float, bool]]] = {"minhash containment (chosen)": [], "exact containment": [],
                                                   "exact jaccard": [], "trafilatura simhash": []}
    for a, b in itertools.combinations(sorted(texts), 2):
        same = labels[a] == labels[b]
        containment, jaccard = exact_scores(texts[a], texts[b])
        scored["minhash containment (chosen)"].append((stories.similarity(fps[a], fps[b]), same))
        chosen.append((scored["minhash containment (chosen)"][-1][0], same, f"{a}~{b}"))
        scored["exact containment"].append((containment, same))
        scored["exact jaccard"].append((jaccard, same))
        scored["trafilatura simhash"].append((sims[a].similarity(sims[b]), same))
    print(f"{'pairwise measure':30} {'min true':>8} {'max false':>9} {'best F1':>7} {'at':>6}")
    for name, pairs in scored.items():
        low_true = min(s for s, same in pairs if same)
        high_false = max(s for s, same in pairs if not same)
        best = (0.0, 0.0)
        for threshold in sorted({s for s, _ in pairs}):
            tp = sum(s >= threshold and same for s, same in pairs)
            fp = sum(s >= threshold and not same for s, same in pairs)
            fn = sum(s < threshold and same for s, same in pairs)
            best = max(best, (prf(tp, fp, fn)[2], threshold))
        print(f"{name:30} {low_true:8.3f} {high_false:9.3f} {best[0]:7.3f} {best[1]:6.3f}")
    chosen.sort()
    lowest_true = [c for c in chosen if c[1]][:3]
    highest_false = [c for c in chosen if not c[1]][-3:]
    print("closest calls (minhash containment):")
    print("  lowest true pairs:   " + "; ".join(f"{pair} {score:.3f}" for score, _, pair in lowest_true))
    print("  highest false pairs: " + "; ".join(f"{pair} {score:.3f}" for score, _, pair in highest_false))


def timing(texts: dict[str, str]) -> None:
    words = " ".join(texts[name] for name in sorted(texts)).split()
    repeats = (1000 // len(words)) + 1
    words = (words * repeats)[:1000]
    article = "\n\n".join(" ".join(words[i:i + 40]) for i in range(0, 1000, 40))
    stories._word_hash.cache_clear()
    started = time.perf_counter()
    stories.fingerprint(article)
    cold = (time.perf_counter() - started) * 1000
    runs = []
    for _ in range(7):
        started = time.perf_counter()
        for _ in range(50):
            stories.fingerprint(article)
        runs.append((time.perf_counter() - started) * 1000 / 50)
    print(f"fingerprint, 1,000 words: {statistics.median(runs):.2f} ms (median of 7x50; first call, "
          f"empty word cache: {cold:.2f} ms)")


def seeds(directory: Path, texts: dict[str, str], labels: dict[str, str], *, threshold: float,
          min_words: int) -> None:
    seed_texts = {name: (directory / name).read_text(encoding="utf-8") for name in SEED_FILES}
    a, b = (seed_texts[name] for name in SEED_FILES)
    containment, jaccard = exact_scores(a, b)
    print(f"seeds: minhash containment {stories.text_similarity(a, b):.3f} (exact containment {containment:.3f},"
          f" jaccard {jaccard:.3f}), words {stories.word_count(a)} / {stories.word_count(b)}")
    story, score, _ = link_all(seed_texts, list(SEED_FILES), threshold=threshold, min_words=min_words)
    linked = story[SEED_FILES[0]] == story[SEED_FILES[1]]
    print(f"seeds: {'linked' if linked else 'NOT linked'} (similarity {score[SEED_FILES[1]]})")
    mixed = {**texts, **seed_texts}
    mixed_labels = {**labels, **dict.fromkeys(SEED_FILES, "seed")}
    story, _, _ = link_all(mixed, sorted(mixed), threshold=threshold, min_words=min_words)
    tp, fp, fn = pair_counts(sorted(mixed), mixed_labels, story)
    print(f"seeds within the labelled set: precision {prf(tp, fp, fn)[0]:.3f} recall {prf(tp, fp, fn)[1]:.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", type=Path, default=REPO_ROOT / "tests" / "stories")
    parser.add_argument("--seeds", type=Path)
    parser.add_argument("--orders", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=stories.DEFAULT_THRESHOLD)
    parser.add_argument("--min-words", type=int, default=stories.DEFAULT_MIN_WORDS)
    args = parser.parse_args()
    texts, labels = load_set(args.set)
    names = sorted(texts)
    print(f"{len(texts)} texts, {len(set(labels.values()))} stories, "
          f"{sum(labels[a] == labels[b] for a, b in itertools.combinations(names, 2))} true pairs of "
          f"{len(names) * (len(names) - 1) // 2}")
    measures(texts, labels)
    timing(texts)
    totals = [0, 0, 0]
    link_times: list[float] = []
    for n in range(args.orders):
        order = names[:]
        if n:
            random.Random(n).shuffle(order)
        story, _, timings = link_all(texts, order, threshold=args.threshold, min_words=args.min_words)
        link_times += timings
        counts = pair_counts(names, labels, story)
        totals = [t + c for t, c in zip(totals, counts, strict=True)]
        errors = [f"{a}~{b}" for a, b in itertools.combinations(names, 2)
                  if (labels[a] == labels[b]) != (story[a] == story[b])]
        print(f"order {n}: precision {prf(*counts)[0]:.3f} recall {prf(*counts)[1]:.3f}"
              + (f"  errors: {', '.join(errors)}" if errors else ""))
    print(f"link(), per article incl. fingerprint and SQLite writes: {statistics.median(link_times) * 1000:.2f} ms")
    if args.seeds:
        seeds(args.seeds, texts, labels, threshold=args.threshold, min_words=args.min_words)
    precision, recall, f1 = prf(*totals)
    print(f"over {args.orders} arrival orders; pairs = labelled pairs per order")
    pairs = len(names) * (len(names) - 1) // 2
    print(f"stories precision {precision:.3f} recall {recall:.3f} f1 {f1:.3f} pairs {pairs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

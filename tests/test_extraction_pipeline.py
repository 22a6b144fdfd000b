"""The extraction stage built in-process (get_crawler): per-site rules, the repeated-line
learner per host, its persistence across runs in the catalog, and the drops and stats."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from crawler import drops
from crawler.stages import ExtractionStage
from pipelines.extraction.extract import SiteRules
from pipelines.extraction.site_rules import rules_for_host, site_rules_from
from tests.components import open_archive, project_crawler, run, stats_under

HOST = "www.harbour.example"


SENTENCES = (
    "Pilots counted {v} vessels waiting at the outer anchorage on the morning of report {n}.",
    "The ice breaker cleared a channel for the convoy before the tide turned, the harbour master said.",
    "Fishermen complained that the new quay fees would cost each crew about {v} thousand rubles a season.",
    "Engineers plan to dredge the inner basin next summer if the regional budget allows it.",
)


def page(n: int, extra: str = "") -> bytes:
    paragraphs = "".join(f"<p>{sentence.format(n=n, v=n * 7 + 3)}</p>" for sentence in SENTENCES)
    return (
        f"<html lang='en'><head><title>Harbour report {n}</title></head><body><article><h1>Harbour report {n}</h1>"
        f"{paragraphs}{extra}<p>Route 6</p></article></body></html>"
    ).encode()


def item(n: int, host: str = HOST, body: bytes | None = None, status: int = 200) -> dict:
    return {"url": f"https://{host}/news/{n}", "status": status, "content_type": "text/html; charset=utf-8",
            "body": page(n) if body is None else body}


def process(extraction: ExtractionStage, item):
    """process_item is a coroutine (extraction may run in a worker process)."""
    return run(extraction.process_item(item))


@pytest.fixture
def crawler(tmp_path):
    return project_crawler(tmp_path / "archive")


def pipeline(crawler, **settings) -> ExtractionStage:
    """The stage as from_crawler builds it, extracting in this process."""
    crawler.settings.frozen = False
    crawler.settings.setdict({"EXTRACT_MIN_CHARS": 200, "EXTRACT_CONTENT_TYPES": ["text/html"],
                              "EXTRACT_MAX_BYTES": 0, "EXTRACT_LEARN_REPEATED_LINES": False,
                              "EXTRACT_REPEATED_LINES_PERSIST": False, **settings}, priority="cmdline")
    return ExtractionStage.from_crawler(crawler)


LEARNING = {"EXTRACT_LEARN_REPEATED_LINES": True, "EXTRACT_REPEATED_LINE_MIN_PAGES": 3,
            "EXTRACT_REPEATED_LINE_MIN_SHARE": 0.0}


def test_learned_furniture_leaves_later_pages_of_the_same_host_only(crawler) -> None:
    extraction = pipeline(crawler, **LEARNING)
    texts = [process(extraction, item(n))["text"] for n in range(5)]
    assert all("Route 6" in text.split("\n\n") for text in texts[:3])
    assert all("Route 6" not in text for text in texts[3:])
    assert all("Pilots counted" in text for text in texts)
    other = process(extraction, item(9, host="other.example"))
    assert "Route 6" in other["text"].split("\n\n")  # another site has not shown it three times
    assert stats_under(crawler, "extract/") == {"extract/ok": 6, "extract/max_in_flight": 1}


def test_the_same_page_fetched_again_is_not_counted_twice(crawler) -> None:
    extraction = pipeline(crawler, **LEARNING)
    for _ in range(4):
        text = process(extraction, item(1))["text"]
    assert "Route 6" in text.split("\n\n")


def test_without_a_learner_nothing_is_learned(crawler) -> None:
    extraction = pipeline(crawler)
    texts = [process(extraction, item(n))["text"] for n in range(5)]
    assert all("Route 6" in text.split("\n\n") for text in texts)


def _run(tmp_path, archive_dir: str, pages: list[int]) -> list[str]:
    """One crawl's extraction stage over some pages, its learner kept in the archive's catalog."""
    crawler = project_crawler(tmp_path / archive_dir)
    archive = open_archive(crawler)
    extraction = pipeline(crawler, **LEARNING, EXTRACT_REPEATED_LINES_PERSIST=True)
    extraction.spider_opened(SimpleNamespace())
    texts = [process(extraction, item(n))["text"] for n in pages]
    extraction.close_spider()
    archive.close()
    return texts


def test_learned_lines_persist_across_runs(tmp_path) -> None:
    _run(tmp_path, "archive", [0, 1, 2])
    (text,) = _run(tmp_path, "archive", [10])
    assert "Route 6" not in text and "Pilots counted" in text
    (fresh,) = _run(tmp_path, "other", [10])
    assert "Route 6" in fresh.split("\n\n")


def test_site_rules_from_settings_apply_to_subdomains(crawler) -> None:
    rules = {"harbour.example": {"prune_xpaths": ["//div[@class='promo']"], "junk_patterns": [r"(?i)route \d+"]}}
    extraction = pipeline(crawler, EXTRACT_SITE_RULES=rules)
    promo = ("<div class='promo'><p>The harbour shop sells ice charts, tide tables and warm hats for every sailor."
             "</p></div>")
    text = process(extraction, item(1, body=page(1, promo)))["text"]
    assert "Route 6" not in text and "harbour shop" not in text and "Pilots counted" in text
    unruled = process(pipeline(crawler, EXTRACT_SITE_RULES={}), item(1, body=page(1, promo)))["text"]
    assert "Route 6" in unruled and "harbour shop" in unruled  # the rules made the difference
    elsewhere = process(extraction, item(1, host="harbour.example.net", body=page(1, promo)))["text"]
    assert "Route 6" in elsewhere


def test_spider_rules_join_the_settings_rules(crawler) -> None:
    extraction = pipeline(crawler, EXTRACT_SITE_RULES={"harbour.example": {"junk_patterns": ["Nothing"]}})
    spider = SimpleNamespace(extract_site_rules={"www.harbour.example": {"junk_patterns": ["Route 6"]}})
    extraction.spider_opened(spider)
    assert "Route 6" not in process(extraction, item(1))["text"]
    assert rules_for_host(extraction.site_rules, HOST) == SiteRules(junk_patterns=("Route 6",))
    assert rules_for_host(extraction.site_rules, "news.harbour.example") == SiteRules(junk_patterns=("Nothing",))


def test_rules_for_the_same_host_are_combined() -> None:
    merged = site_rules_from({"a.example": {"junk_patterns": ["x"]}}, {"A.Example.": SiteRules(("//aside",), ("y",))})
    assert merged == {"a.example": SiteRules(("//aside",), ("x", "y"))}


@pytest.mark.parametrize(
    "bad",
    [{"a.example": {"prune_xpaths": ["//div["]}}, {"a.example": {"junk_patterns": ["(unclosed"]}},
     {"a.example": {"prune": []}}, {"a.example": ["//div"]}],
)
def test_bad_site_rules_fail_at_start_up(bad) -> None:
    with pytest.raises(Exception):  # noqa: B017 - XPathSyntaxError, re.error or ValueError
        site_rules_from(bad)


def test_drops_keep_their_reasons_and_stats(crawler) -> None:
    extraction = pipeline(crawler, **LEARNING)
    with pytest.raises(drops.HttpErrorStatus):
        process(extraction, item(1, status=404))
    with pytest.raises(drops.TextTooShort):
        process(extraction, item(2, body=b"<html><body><article><p>Only a short line of text here.</p>"
                                               b"</article></body></html>"))
    with pytest.raises(drops.NoArticleText):
        process(extraction, item(3, body=b"<html><body><p>Advertisement</p></body></html>"))
    assert stats_under(crawler, "extract/dropped/") == {"extract/dropped/http_status": 1,
                                                        "extract/dropped/too_short": 1, "extract/dropped/no_text": 1}


def test_from_crawler_reads_the_settings(tmp_path) -> None:
    crawler = project_crawler(tmp_path, EXTRACT_SITE_RULES={"harbour.example": {"junk_patterns": ["Route 6"]}})
    extraction = ExtractionStage.from_crawler(crawler)
    assert extraction.archive.layout.catalog == tmp_path / "catalog.sqlite"  # the learner's counts are kept there
    assert extraction.learner is not None and extraction.learner.min_pages == 3
    assert rules_for_host(extraction.site_rules, HOST) == SiteRules(junk_patterns=("Route 6",))
    off = project_crawler(tmp_path, EXTRACT_LEARN_REPEATED_LINES=False)
    assert ExtractionStage.from_crawler(off).learner is None

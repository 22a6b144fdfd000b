"""ExtractionPipeline wiring without a crawler: per-site rules, the repeated-line learner
per host, its persistence across runs, and the drop/stats behaviour."""

from __future__ import annotations

import asyncio
from collections import Counter
from types import SimpleNamespace

import pytest

from pipelines import drops
from pipelines.extract import SiteRules
from pipelines.extraction import ExtractionPipeline, rules_for_host, site_rules_from
from pipelines.junk import RepeatedLineLearner

HOST = "www.harbour.example"


class FakeStats:
    def __init__(self) -> None:
        self.values: Counter[str] = Counter()
        self.maxima: dict[str, int] = {}

    def inc_value(self, key: str, count: int = 1) -> None:
        self.values[key] += count

    def max_value(self, key: str, value: int) -> None:  # gauges, kept apart from the counts
        self.maxima[key] = max(self.maxima.get(key, 0), value)


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


def process(extraction: ExtractionPipeline, item):
    """process_item is a coroutine (extraction may run in a worker process)."""
    return asyncio.run(extraction.process_item(item))


def pipeline(stats=None, **kwargs) -> ExtractionPipeline:
    return ExtractionPipeline(stats or FakeStats(), 200, ["text/html"], 0, **kwargs)


def test_learned_furniture_leaves_later_pages_of_the_same_host_only() -> None:
    stats = FakeStats()
    extraction = pipeline(stats, learner=RepeatedLineLearner(min_pages=3))
    texts = [process(extraction, item(n))["text"] for n in range(5)]
    assert all("Route 6" in text.split("\n\n") for text in texts[:3])
    assert all("Route 6" not in text for text in texts[3:])
    assert all("Pilots counted" in text for text in texts)
    other = process(extraction, item(9, host="other.example"))
    assert "Route 6" in other["text"].split("\n\n")  # another site has not shown it three times
    assert stats.values == {"extract/ok": 6}


def test_the_same_page_fetched_again_is_not_counted_twice() -> None:
    extraction = pipeline(learner=RepeatedLineLearner(min_pages=3))
    for _ in range(4):
        text = process(extraction, item(1))["text"]
    assert "Route 6" in text.split("\n\n")


def test_without_a_learner_nothing_is_learned() -> None:
    extraction = pipeline()
    texts = [process(extraction, item(n))["text"] for n in range(5)]
    assert all("Route 6" in text.split("\n\n") for text in texts)


def test_learned_lines_persist_across_runs(tmp_path) -> None:
    path = str(tmp_path / "archive" / "catalog.sqlite")
    first = pipeline(learner=RepeatedLineLearner(min_pages=3), site_lines_path=path)
    first.open_spider(SimpleNamespace())
    for n in range(3):
        process(first, item(n))
    first.close_spider(SimpleNamespace())

    second = pipeline(learner=RepeatedLineLearner(min_pages=3), site_lines_path=path)
    second.open_spider(SimpleNamespace())
    text = process(second, item(10))["text"]
    assert "Route 6" not in text and "Pilots counted" in text

    fresh = pipeline(learner=RepeatedLineLearner(min_pages=3), site_lines_path=str(tmp_path / "other.sqlite"))
    fresh.open_spider(SimpleNamespace())
    assert "Route 6" in process(fresh, item(10))["text"].split("\n\n")


def test_site_rules_from_settings_apply_to_subdomains() -> None:
    rules = site_rules_from({
        "harbour.example": {"prune_xpaths": ["//div[@class='promo']"], "junk_patterns": [r"(?i)route \d+"]},
    })
    extraction = pipeline(site_rules=rules)
    promo = ("<div class='promo'><p>The harbour shop sells ice charts, tide tables and warm hats for every sailor."
             "</p></div>")
    text = process(extraction, item(1, body=page(1, promo)))["text"]
    assert "Route 6" not in text and "harbour shop" not in text and "Pilots counted" in text
    unruled = process(pipeline(), item(1, body=page(1, promo)))["text"]
    assert "Route 6" in unruled and "harbour shop" in unruled  # the rules made the difference
    elsewhere = process(extraction, item(1, host="harbour.example.net", body=page(1, promo)))["text"]
    assert "Route 6" in elsewhere


def test_spider_rules_join_the_settings_rules() -> None:
    extraction = pipeline(site_rules=site_rules_from({"harbour.example": {"junk_patterns": ["Nothing"]}}))
    spider = SimpleNamespace(extract_site_rules={"www.harbour.example": SiteRules(junk_patterns=("Route 6",))})
    extraction.open_spider(spider)
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


def test_drops_keep_their_reasons_and_stats() -> None:
    stats = FakeStats()
    extraction = pipeline(stats, learner=RepeatedLineLearner())
    with pytest.raises(drops.HttpErrorStatus):
        process(extraction, item(1, status=404))
    with pytest.raises(drops.TextTooShort):
        process(extraction, item(2, body=b"<html><body><article><p>Only a short line of text here.</p>"
                                               b"</article></body></html>"))
    with pytest.raises(drops.NoArticleText):
        process(extraction, item(3, body=b"<html><body><p>Advertisement</p></body></html>"))
    assert stats.values == {"extract/dropped/http_status": 1, "extract/dropped/too_short": 1,
                            "extract/dropped/no_text": 1}


def test_from_crawler_reads_the_settings(tmp_path) -> None:
    from scrapy.settings import Settings

    from crawler import settings as project_settings

    settings = Settings()
    settings.setmodule(project_settings)
    settings.set("ARCHIVE_DIR", str(tmp_path))
    settings.set("EXTRACT_SITE_RULES", {"harbour.example": {"junk_patterns": ["Route 6"]}})
    crawler = SimpleNamespace(settings=settings, stats=FakeStats(), spider=None)
    extraction = ExtractionPipeline.from_crawler(crawler)
    assert extraction.site_lines_path == str(tmp_path / "catalog.sqlite")
    assert extraction.learner is not None and extraction.learner.min_pages == 3
    assert rules_for_host(extraction.site_rules, HOST) == SiteRules(junk_patterns=("Route 6",))
    settings.set("EXTRACT_LEARN_REPEATED_LINES", False)
    assert ExtractionPipeline.from_crawler(crawler).learner is None

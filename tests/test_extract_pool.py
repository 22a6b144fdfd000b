"""The extraction process pool: same results as in-process, crashes contained, bounded."""

from __future__ import annotations

import asyncio

import pytest

from pipelines.extraction.extract import extract_article
from pipelines.extraction.pool import ExtractionPool, ExtractionTimedOut, WorkerCrashed
from tests.localsite import article_html

PAGES = {f"http://site.example/news/{n}": article_html(f"Story {n} of the day").encode() for n in range(6)}


def run_all(pool: ExtractionPool, pages: dict[str, bytes]) -> dict[str, object]:
    async def one(url, body):
        try:
            return await pool.run(body, url)
        except (WorkerCrashed, ExtractionTimedOut) as exc:
            return exc

    async def everything():
        return dict(zip(pages, await asyncio.gather(*(one(u, b) for u, b in pages.items())), strict=True))

    try:
        return asyncio.run(everything())
    finally:
        pool.close()


def test_pool_gives_the_same_articles_as_in_process():
    results = run_all(ExtractionPool("pipelines.extraction.extract.extract_article", workers=2), PAGES)
    for url, body in PAGES.items():
        assert results[url] == extract_article(body, url)
        assert results[url].text


def test_a_worker_crash_fails_only_its_page():
    pages = {**PAGES, "http://site.example/crash/1": PAGES["http://site.example/news/0"]}
    pool = ExtractionPool("tests.extractors.crash_on_marked_pages", workers=2)
    results = run_all(pool, pages)
    assert isinstance(results["http://site.example/crash/1"], WorkerCrashed)
    for url in PAGES:
        assert results[url] == extract_article(PAGES[url], url), url
    assert pool.restarts >= 1


def test_a_page_over_the_time_limit_is_stopped_and_the_others_go_on():
    pages = {"http://site.example/hang/1": PAGES["http://site.example/news/0"], **PAGES}
    pool = ExtractionPool("tests.extractors.hang_on_marked_pages", workers=2, timeout=1)
    results = run_all(pool, pages)
    assert isinstance(results["http://site.example/hang/1"], ExtractionTimedOut)
    for url in PAGES:
        assert results[url] == extract_article(PAGES[url], url), url
    assert pool.restarts == 1  # the stuck worker was replaced, no other


def test_pending_work_is_bounded():
    pages = {f"http://site.example/news/{n}": PAGES["http://site.example/news/1"] for n in range(20)}
    # all 20 are handed over at once: 3 enter before any result can come back
    pool = ExtractionPool("pipelines.extraction.extract.extract_article", workers=2, max_pending=3)
    results = run_all(pool, pages)
    assert all(r.text for r in results.values())
    assert pool.max_pending_seen == 3  # reached, never passed


@pytest.mark.parametrize("workers", [0, 1])
def test_at_least_one_worker(workers):
    assert ExtractionPool("x.y", workers=workers).workers == 1


def test_worker_fingerprint_is_the_one_the_linker_would_make():
    from pipelines.extraction import stories
    from pipelines.extraction.worker import extract_page

    url, body = next(iter(PAGES.items()))
    pool = ExtractionPool("pipelines.extraction.worker.extract_page", workers=1)
    try:
        article, story_fingerprint, wall = asyncio.run(
            pool.run("pipelines.extraction.extract.extract_article", body, url, fingerprint=True))
    finally:
        pool.close()
    assert story_fingerprint == stories.fingerprint(article.text) and wall is None
    assert extract_page("pipelines.extraction.extract.extract_article", body, url, fingerprint=False)[1] is None

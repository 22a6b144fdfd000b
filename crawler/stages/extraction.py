"""ExtractionStage (ITEM_PIPELINES 300): clean text and metadata, in worker processes;
pages that are not articles are dropped with a reason.

Walls (pipelines/extraction/walls.py): a bot challenge, a page that is only a consent form or a
paywall stub is dropped as ``challenge`` / ``consent`` / ``paywall`` with a WARNING naming the URL,
counted per host (``extract/walls/<reason>/<host>``, listed in the run summary and report), and
its capture is marked in the catalog (``blocked_captures``) so that the URL is not archived by
it: the next run fetches it again."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy import signals

from crawler import drops
from crawler.capture.archive import Archive
from pipelines.extraction import site_lines, walls
from pipelines.extraction.extract import looks_like_html
from pipelines.extraction.learner import RepeatedLineLearner
from pipelines.extraction.pool import ExtractionPool, ExtractionTimedOut, WorkerCrashed
from pipelines.extraction.site_rules import rules_for_host, site_rules_from
from pipelines.extraction.worker import WORKER_FUNCTION, extract_page

logger = logging.getLogger(__name__)

EXTRACTED_FIELDS = ("canonical_url", "title", "author", "published", "language", "site_name", "description", "text")


def extraction_pool(settings) -> ExtractionPool | None:
    """EXTRACT_WORKERS processes (default: one per core); 0 extracts in the reactor thread."""
    workers = settings.get("EXTRACT_WORKERS")
    workers = (os.cpu_count() or 1) if workers in (None, "") else int(workers)
    if workers <= 0:
        return None
    return ExtractionPool(WORKER_FUNCTION, workers, settings.getint("EXTRACT_MAX_PENDING") or None,
                          settings.getfloat("EXTRACT_TIMEOUT"))


_WALLS = {  # walls.verdict() kind -> the drop that says it
    "challenge": lambda detail, url: drops.Challenge(f"bot challenge ({detail}), archived, fetched again next run: "
                                                     f"{url}"),
    "consent": lambda detail, url: drops.ConsentWall(f"only a cookie-consent form, archived, fetched again next run: "
                                                     f"{url}"),
    "paywall": lambda detail, url: drops.Paywall(f"paywall stub ({detail}), archived, fetched again next run: {url}"),
}


class ExtractionStage:
    """Per-site rules come from EXTRACT_SITE_RULES merged with the spider's
    ``extract_site_rules`` attribute (host -> rules); a rule for "example.com" also applies
    to its subdomains. Each extracted page's lines feed a RepeatedLineLearner per host,
    whose learned furniture is removed from later pages of the host and kept across runs
    in the catalog (table site_lines)."""

    def __init__(self, stats, min_chars: int, content_types: list[str], max_bytes: int = 0, *,
                 site_rules=None, learner: RepeatedLineLearner | None = None, archive: Archive | None = None,
                 function: str = "pipelines.extraction.extract.extract_article", pool: ExtractionPool | None = None,
                 fingerprint: bool = False, persist_lines: bool = True, paywall_ratio: float = 0.5,
                 paywall_min_words: int = 150):
        self.function_path = function
        self.fingerprint = fingerprint  # for the stories stage: made in the worker, off the reactor
        self.pool = pool  # None: extract in the reactor thread
        self.in_flight = 0
        self.max_bytes = max_bytes
        self.stats = stats
        self.min_chars = min_chars
        self.content_types = tuple(t.lower() for t in content_types)
        self.site_rules = dict(site_rules or {})
        self.learner = learner
        self.archive = archive  # where walls are marked; keeps the learner's counts when persist_lines
        self.persist_lines = persist_lines and learner is not None
        # walls are told in the worker, beside the text (pipelines/extraction/walls.py verdict)
        self.wall_rules = walls.WallRules(min_chars, paywall_ratio, paywall_min_words)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        learner = None
        if settings.getbool("EXTRACT_LEARN_REPEATED_LINES"):
            learner = RepeatedLineLearner(
                min_pages=settings.getint("EXTRACT_REPEATED_LINE_MIN_PAGES"),
                max_words=settings.getint("EXTRACT_REPEATED_LINE_MAX_WORDS"),
                min_share=settings.getfloat("EXTRACT_REPEATED_LINE_MIN_SHARE"),
            )
        persist = learner is not None and settings.getbool("EXTRACT_REPEATED_LINES_PERSIST")
        stage = cls(
            crawler.stats, settings.getint("EXTRACT_MIN_CHARS"), settings.getlist("EXTRACT_CONTENT_TYPES"),
            settings.getint("EXTRACT_MAX_BYTES"), site_rules=site_rules_from(settings.getdict("EXTRACT_SITE_RULES")),
            learner=learner, archive=crawler.get_extension(Archive), persist_lines=persist,
            function=settings.get("EXTRACT_FUNCTION"), pool=extraction_pool(settings),
            fingerprint=settings.getbool("STORIES_ENABLED"), paywall_ratio=settings.getfloat("EXTRACT_PAYWALL_RATIO"),
            paywall_min_words=settings.getint("EXTRACT_PAYWALL_MIN_WORDS"),
        )
        # after the Archive's own handler (extensions connect first): its catalog is open
        crawler.signals.connect(stage.spider_opened, signal=signals.spider_opened)
        return stage

    def spider_opened(self, spider):
        if self.pool is not None:
            self.pool.start()  # the workers import trafilatura while robots.txt and sitemaps come in
        extra = getattr(spider, "extract_site_rules", None)
        if extra:  # the spider knows more sites (sources spider): its rules join the settings' ones
            self.site_rules = site_rules_from(self.site_rules, extra)
        if self.persist_lines and self.archive is not None and self.archive.local_catalog is not None:
            hosts = site_lines.load(self.archive.local_catalog.site_lines, self.learner)
            logger.info("Loaded repeated-line counts for %d hosts", hosts)

    def close_spider(self, spider=None):
        if self.pool is not None:
            self.stats.set_value("extract/pool/max_pending", self.pool.max_pending_seen)
            self.stats.set_value("extract/pool/restarts", self.pool.restarts)
            self.pool.close()
        if self.persist_lines and self.archive is not None and self.archive.local_catalog is not None:
            try:
                hosts = site_lines.save(self.archive.local_catalog.site_lines, self.learner)
            except sqlite3.Error as exc:
                logger.error("Could not save the repeated-line counts: %s: %s", type(exc).__name__, exc)
            else:
                logger.info("Saved repeated-line counts for %d hosts", hosts)

    async def process_item(self, item):
        adapter = ItemAdapter(item)
        self.in_flight += 1  # pages inside this stage now: waiting for a worker or being extracted
        self.stats.max_value("extract/max_in_flight", self.in_flight)
        try:
            self._check(adapter)
            url = adapter["url"]
            host = urlsplit(url).hostname or ""
            result = await self._extract(adapter["body"], url, host)
            self._apply(adapter, result.article, result.wall, host)
            adapter["story_fingerprint"] = result.story_fingerprint
        except drops.Wall as wall:
            self._blocked(adapter, wall)
            raise drops.counted(self.stats, wall) from None
        except drops.NotAnArticle as drop:
            raise drops.counted(self.stats, drop) from None
        finally:
            self.in_flight -= 1
        self.stats.inc_value("extract/ok")
        return item

    async def _extract(self, body: bytes, url: str, host: str):
        kwargs = {"site_rules": rules_for_host(self.site_rules, host),
                  "repeated_lines": self.learner.repeated(host) if self.learner is not None and host else None}
        args = (self.function_path, body, url)
        kwargs.update(fingerprint=self.fingerprint, wall_rules=self.wall_rules)
        try:
            if self.pool is not None:
                return await self.pool.run(*args, **kwargs)
            return extract_page(*args, **kwargs)
        except ExtractionTimedOut as exc:
            logger.warning("Extraction of %s ran past EXTRACT_TIMEOUT: archived, not extracted", url)
            raise drops.ExtractionTimeout(f"{exc}: {url}") from exc
        except WorkerCrashed as exc:
            logger.error("Extraction worker died on %s", url)
            raise drops.ExtractionFailed(f"{exc}: {url}") from exc
        except Exception as exc:  # one bad page never stops the crawl
            logger.exception("Extraction failed for %s", url)
            raise drops.ExtractionFailed(f"{type(exc).__name__}: {exc}: {url}") from exc

    def _check(self, adapter: ItemAdapter) -> None:
        """What can be decided without extracting: status, content type, size, binary bodies."""
        url, status = adapter["url"], adapter["status"]
        media_type = adapter["content_type"].split(";", 1)[0].strip().lower()
        if not media_type or media_type in self.content_types:  # before the status: challenges come as 403/503
            challenge = walls.challenge(status, adapter.get("headers") or {}, adapter["body"])
            if challenge:
                raise drops.Challenge(f"bot challenge ({challenge}), archived, fetched again next run: {url}")
        if not 200 <= status < 300:
            raise drops.HttpErrorStatus(f"HTTP {status}: {url}")
        if adapter.get("truncated"):
            raise drops.Truncated(f"incomplete body ({len(adapter['body'])} bytes received): {url}")
        if media_type and media_type not in self.content_types:
            raise drops.NotHtml(f"{media_type or 'no content type'}: {url}")
        body = adapter["body"]
        if self.max_bytes and len(body) > self.max_bytes:  # extraction time grows with the page
            raise drops.TooLarge(f"{len(body)} bytes > EXTRACT_MAX_BYTES={self.max_bytes}: {url}")
        if not looks_like_html(body):
            raise drops.BinaryBody(f"body is not HTML ({len(body)} bytes): {url}")

    def _apply(self, adapter: ItemAdapter, article, wall: tuple[str, str] | None, host: str) -> None:
        url = adapter["url"]
        text = article.text if article is not None else ""
        if wall is not None:
            raise _WALLS[wall[0]](wall[1], url)
        if not text:
            raise drops.NoArticleText(f"no article text: {url}")
        if self.learner is not None and host:
            # one story under several URLs (tracking parameters, AMP) is one page for the learner
            self.learner.observe(host, article.text.splitlines(), page_key=article.canonical_url or url)
        if len(article.text) < self.min_chars:
            raise drops.TextTooShort(f"{len(article.text)} chars < EXTRACT_MIN_CHARS={self.min_chars}: {url}")
        for name in EXTRACTED_FIELDS:
            adapter[name] = getattr(article, name)

    def _blocked(self, adapter: ItemAdapter, wall: drops.Wall) -> None:
        """Count the wall by host and mark its capture, so that the URL is not archived by it."""
        url = adapter["url"]
        host = urlsplit(url).hostname or ""
        self.stats.inc_value(f"extract/walls/{wall.reason}/{host}")
        record_id = adapter.get("capture_record_id")
        catalog = self.archive.catalog if self.archive is not None else None
        if not record_id or catalog is None:
            return
        try:
            catalog.mark_blocked({"record_id": record_id, "url": url, "reason": wall.reason, "detail": str(wall),
                                  "run_id": self.archive.run_id,
                                  "detected_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
        except sqlite3.Error as exc:
            logger.error("Could not mark the %s capture of %s in the catalog: %s", wall.reason, url, exc)

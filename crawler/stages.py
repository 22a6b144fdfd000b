"""The item pipelines (ITEM_PIPELINES): thin Scrapy glue around the two stages in
``pipelines/``. An Article item passes, in order:

1. ``RevisionFilter`` (200): a page unchanged since its newest revision (a 304 to our
   conditional request, the same payload) is dropped before it is extracted.
2. ``ExtractionStage`` (300): clean text and metadata, in worker processes; pages that
   are not articles are dropped with a reason.
3. ``StoreStage`` (800): the text as a WARC conversion record, its text file, the
   catalog row, then the JSON sidecar — in that order, so nothing ever points at a
   record or file that is not on disk yet. The same text again is dropped as unchanged.
4. ``StoriesStage`` (850): links the row to the story of its closest earlier article.

Every drop is a ``crawler.drops`` reason counted as ``extract/dropped/<reason>`` (or
``archive/unchanged``); the page's capture stays in the WARC either way. The archive
(writer, catalog, layout) is the ``Archive`` extension's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import sqlite3
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler import drops
from crawler.capture.archive import Archive
from pipelines.extraction import site_lines, stories
from pipelines.extraction.extract import looks_like_html
from pipelines.extraction.junk import RepeatedLineLearner
from pipelines.extraction.pool import ExtractionPool, ExtractionTimedOut, WorkerCrashed
from pipelines.extraction.site_rules import rules_for_host, site_rules_from
from pipelines.extraction.worker import WORKER_FUNCTION, extract_page
from pipelines.storage.catalog import COLUMNS, UrlState
from pipelines.storage.revisions import next_revision, unchanged_payload
from pipelines.storage.texts import render_text, write_atomically, write_sidecar

logger = logging.getLogger(__name__)

EXTRACTED_FIELDS = ("canonical_url", "title", "author", "published", "language", "site_name", "description", "text")


def _counted(stats, drop: drops.NotAnArticle) -> drops.NotAnArticle:
    stats.inc_value(drop.stats_key)
    return drop


class RevisionFilter:
    """Drops pages unchanged since their newest revision, before extraction."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        reason = unchanged_payload(UrlState.from_meta(adapter.get("state")), status=adapter["status"],
                                   conditional=bool(adapter.get("conditional")),
                                   payload_digest=adapter.get("payload_digest"))
        if reason:
            raise _counted(self.stats, drops.Unchanged(f"{reason}: {adapter['url']}"))
        return item


def extraction_pool(settings) -> ExtractionPool | None:
    """EXTRACT_WORKERS processes (default: one per core); 0 extracts in the reactor thread."""
    workers = settings.get("EXTRACT_WORKERS")
    workers = (os.cpu_count() or 1) if workers in (None, "") else int(workers)
    if workers <= 0:
        return None
    return ExtractionPool(WORKER_FUNCTION, workers, settings.getint("EXTRACT_MAX_PENDING") or None,
                          settings.getfloat("EXTRACT_TIMEOUT"))


class ExtractionStage:
    """Per-site rules come from EXTRACT_SITE_RULES merged with the spider's
    ``extract_site_rules`` attribute (host -> rules); a rule for "example.com" also applies
    to its subdomains. Each extracted page's lines feed a RepeatedLineLearner per host,
    whose learned furniture is removed from later pages of the host and kept across runs
    in the catalog (table site_lines)."""

    def __init__(self, stats, min_chars: int, content_types: list[str], max_bytes: int = 0, *,
                 site_rules=None, learner: RepeatedLineLearner | None = None, archive: Archive | None = None,
                 function: str = "pipelines.extraction.extract.extract_article", pool: ExtractionPool | None = None,
                 fingerprint: bool = False):
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
        self.archive = archive  # keeps the learner's counts (EXTRACT_REPEATED_LINES_PERSIST), or None

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
            learner=learner, archive=crawler.get_extension(Archive) if persist else None,
            function=settings.get("EXTRACT_FUNCTION"), pool=extraction_pool(settings),
            fingerprint=settings.getbool("STORIES_ENABLED"),
        )
        # after the Archive's own handler (extensions connect first): its catalog is open
        crawler.signals.connect(stage.spider_opened, signal=signals.spider_opened)
        return stage

    def spider_opened(self, spider):
        extra = getattr(spider, "extract_site_rules", None)
        if extra:  # the spider knows more sites (sources spider): its rules join the settings' ones
            self.site_rules = site_rules_from(self.site_rules, extra)
        if self.archive is not None and self.archive.local_catalog is not None:
            hosts = site_lines.load(self.archive.local_catalog.site_lines, self.learner)
            logger.info("Loaded repeated-line counts for %d hosts", hosts)

    def close_spider(self, spider=None):
        if self.pool is not None:
            self.stats.set_value("extract/pool/max_pending", self.pool.max_pending_seen)
            self.stats.set_value("extract/pool/restarts", self.pool.restarts)
            self.pool.close()
        if self.archive is not None and self.archive.local_catalog is not None:
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
            article, story_fingerprint = await self._extract(adapter["body"], url, host)
            self._apply(adapter, article, host)
            adapter["story_fingerprint"] = story_fingerprint
        except drops.NotAnArticle as drop:
            raise _counted(self.stats, drop) from None
        finally:
            self.in_flight -= 1
        self.stats.inc_value("extract/ok")
        return item

    async def _extract(self, body: bytes, url: str, host: str):
        kwargs = {"site_rules": rules_for_host(self.site_rules, host),
                  "repeated_lines": self.learner.repeated(host) if self.learner is not None and host else None}
        args = (self.function_path, body, url)
        try:
            if self.pool is not None:
                return await self.pool.run(*args, fingerprint=self.fingerprint, **kwargs)
            return extract_page(*args, fingerprint=self.fingerprint, **kwargs)
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
        if not 200 <= status < 300:
            raise drops.HttpErrorStatus(f"HTTP {status}: {url}")
        if adapter.get("truncated"):
            raise drops.Truncated(f"incomplete body ({len(adapter['body'])} bytes received): {url}")
        media_type = adapter["content_type"].split(";", 1)[0].strip().lower()
        if media_type and media_type not in self.content_types:
            raise drops.NotHtml(f"{media_type or 'no content type'}: {url}")
        body = adapter["body"]
        if self.max_bytes and len(body) > self.max_bytes:  # extraction time grows with the page
            raise drops.TooLarge(f"{len(body)} bytes > EXTRACT_MAX_BYTES={self.max_bytes}: {url}")
        if not looks_like_html(body):
            raise drops.BinaryBody(f"body is not HTML ({len(body)} bytes): {url}")

    def _apply(self, adapter: ItemAdapter, article, host: str) -> None:
        url = adapter["url"]
        if article is None or not article.text:
            raise drops.NoArticleText(f"no article text: {url}")
        if self.learner is not None and host:
            # one story under several URLs (tracking parameters, AMP) is one page for the learner
            self.learner.observe(host, article.text.splitlines(), page_key=article.canonical_url or url)
        if len(article.text) < self.min_chars:
            raise drops.TextTooShort(f"{len(article.text)} chars < EXTRACT_MIN_CHARS={self.min_chars}: {url}")
        for name in EXTRACTED_FIELDS:
            adapter[name] = getattr(article, name)


class StoreStage:
    """Stores a new revision of an article; the same text again is dropped as unchanged."""

    def __init__(self, archive: Archive, stats):
        self.archive = archive
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.get_extension(Archive), crawler.stats)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        try:
            self._store(adapter)
        except (OSError, sqlite3.Error) as exc:
            self.archive.write_failed(exc, f"the article {adapter['url']}")
            raise drops.StoreFailed(f"{type(exc).__name__}: {exc}") from exc
        return item

    def _store(self, adapter: ItemAdapter) -> None:
        url = adapter["url"]
        for field in ("title", "published", "language"):  # the page first, then discovery
            if not adapter.get(field) and adapter.get(f"source_{field}"):
                adapter[field] = adapter[f"source_{field}"]
        text = render_text(adapter.get("title"), adapter["text"]).encode("utf-8")
        adapter["text_sha1"] = hashlib.sha1(text).hexdigest()
        self._number(adapter)
        adapter["run_id"] = self.archive.run_id
        if adapter.get("response_record_id"):
            conversion = self.archive.write_text(url, text, refers_to=adapter["response_record_id"])
            adapter["conversion_record_id"] = conversion.record_id if conversion else None
        fetched = dt.datetime.fromisoformat(adapter["fetched_at"]) if adapter.get("fetched_at") \
            else dt.datetime.now(dt.UTC)
        adapter["text_path"] = self.archive.layout.text_relpath(url, fetched)
        write_atomically(self.archive.layout.path(adapter["text_path"]), text)
        row = {name: adapter.get(name) for name in COLUMNS}
        adapter["article_id"] = self.archive.catalog.add_article(row)
        write_sidecar(self.archive.layout.path(adapter["text_path"]), sidecar(adapter))
        self.stats.inc_value("store/articles")
        if adapter["revision"] > 1:
            self.stats.inc_value("store/revisions")
        logger.info("Archived %s (revision %d) -> %s", url, adapter["revision"], adapter["text_path"])

    def _number(self, adapter: ItemAdapter) -> None:
        # Asked at writing time, not taken from the request's state: another URL of the same
        # article (tracking parameters, AMP) may have been stored since the request went out.
        latest = self.archive.catalog.latest_revision(adapter["url"], adapter.get("canonical_url"))
        revision = next_revision(latest["revision"] if latest else 0, latest["text_sha1"] if latest else None,
                                 adapter["text_sha1"])
        if revision is None:
            raise _counted(self.stats, drops.Unchanged(f"same text as revision {latest['revision']}: "
                                                       f"{adapter['url']}"))
        adapter["revision"] = revision


def sidecar(adapter: ItemAdapter) -> dict:
    """The JSON beside a text file: the catalog row, its id, and what the response was."""
    return {**{name: adapter.get(name) for name in COLUMNS}, "id": adapter.get("article_id"),
            "status": adapter.get("status"), "content_type": adapter.get("content_type"),
            "story_id": adapter.get("story_id"), "story_similarity": adapter.get("story_similarity")}


class StoriesStage:
    """Links each stored row to the story of its most similar earlier article (STORIES_*)."""

    def __init__(self, archive: Archive, stats, *, threshold: float, min_words: int):
        self.archive = archive
        self.stats = stats
        self.threshold = threshold
        self.min_words = min_words
        self.linker: stories.StoryLinker | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("STORIES_ENABLED"):
            raise NotConfigured("STORIES_ENABLED is off")
        return cls(crawler.get_extension(Archive), crawler.stats, threshold=settings.getfloat("STORIES_THRESHOLD"),
                   min_words=settings.getint("STORIES_MIN_WORDS"))

    def process_item(self, item):
        adapter = ItemAdapter(item)
        if self.linker is None:  # story linking stays per worker: the local catalog file
            self.linker = stories.StoryLinker(self.archive.local_catalog.stories, threshold=self.threshold,
                                              min_words=self.min_words)
        try:
            adapter["story_id"], adapter["story_similarity"] = self.linker.link(
                adapter["article_id"], adapter["text"], url=adapter["url"], canonical_url=adapter.get("canonical_url"),
                precomputed=adapter.get("story_fingerprint"))
            write_sidecar(self.archive.layout.path(adapter["text_path"]), sidecar(adapter))
        except (OSError, sqlite3.Error) as exc:
            self.archive.write_failed(exc, f"the story of {adapter['url']}")
            raise drops.StoreFailed(f"{type(exc).__name__}: {exc}") from exc
        self.stats.inc_value("stories/new" if adapter["story_id"] == adapter["article_id"] else "stories/linked")
        return item

"""Scrapy pipeline around ``pipelines.extract.extract_article``.

Responses that are not articles (error status, not HTML, binary bodies served
as HTML, too little text) are dropped with a reason; their raw exchange is
already in the WARC, written by the capture layer.

Per-site rules come from the EXTRACT_SITE_RULES setting merged with the spider's
``extract_site_rules`` attribute (host -> SiteRules); a rule for "example.com" also
applies to "www.example.com" and other subdomains. Each extracted page's lines feed a
RepeatedLineLearner per host, whose learned furniture is removed from later pages of
the host and kept across runs in the catalog file (pipelines.site_lines).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from lxml import etree

from . import drops, site_lines, stories
from .extract import SiteRules, looks_like_html
from .extract_pool import ExtractionPool, ExtractionTimedOut, WorkerCrashed, load_function
from .junk import RepeatedLineLearner

logger = logging.getLogger(__name__)


def site_rules_from(*sources: Mapping[str, Any] | None) -> dict[str, SiteRules]:
    """host -> SiteRules from dicts of SiteRules or {"prune_xpaths": [...], "junk_patterns": [...]};
    rules for the same host are combined. Bad XPaths or regexes fail here, at start-up."""
    merged: dict[str, SiteRules] = {}
    for source in sources:
        for host, value in (source or {}).items():
            if isinstance(value, SiteRules):
                rules = value
            elif isinstance(value, Mapping):
                unknown = set(value) - {"prune_xpaths", "junk_patterns"}
                if unknown:
                    raise ValueError(f"EXTRACT_SITE_RULES[{host!r}]: unknown keys {sorted(unknown)}")
                rules = SiteRules(tuple(value.get("prune_xpaths", ())), tuple(value.get("junk_patterns", ())))
            else:
                kind = type(value).__name__
                raise ValueError(f"EXTRACT_SITE_RULES[{host!r}] must be a dict or SiteRules, not {kind}")
            for xpath in rules.prune_xpaths:
                etree.XPath(xpath)  # raises XPathSyntaxError
            for pattern in rules.junk_patterns:
                re.compile(pattern)
            key = host.strip().casefold().rstrip(".")
            old = merged.get(key, SiteRules())
            merged[key] = SiteRules(old.prune_xpaths + rules.prune_xpaths, old.junk_patterns + rules.junk_patterns)
    return merged


def extract_page(function_path: str, html: bytes, url: str, *, fingerprint: bool, **kwargs):
    """What a worker does for one page: extract, and fingerprint the text for story
    linking (pure Python, a few ms a page: better in the worker than in the reactor)."""
    article = load_function(function_path)(html, url, **kwargs)
    story_fingerprint = stories.fingerprint(article.text) if fingerprint and article and article.text else None
    return article, story_fingerprint


def extraction_pool(settings) -> ExtractionPool | None:
    """EXTRACT_WORKERS processes (default: one per core); 0 extracts in the reactor thread."""
    workers = settings.get("EXTRACT_WORKERS")
    workers = (os.cpu_count() or 1) if workers in (None, "") else int(workers)
    if workers <= 0:
        return None
    return ExtractionPool("pipelines.extraction.extract_page", workers,
                          settings.getint("EXTRACT_MAX_PENDING") or None, settings.getfloat("EXTRACT_TIMEOUT"))


def rules_for_host(rules: Mapping[str, SiteRules], host: str) -> SiteRules | None:
    """The rules of host or of its closest parent domain ("www.x.com" uses "x.com")."""
    parts = host.casefold().rstrip(".").split(".")
    for start in range(len(parts) - 1):
        found = rules.get(".".join(parts[start:]))
        if found is not None:
            return found
    return None


class ExtractionPipeline:
    def __init__(self, stats, min_chars: int, content_types: list[str], max_bytes: int = 0, *,
                 site_rules: Mapping[str, SiteRules] | None = None, learner: RepeatedLineLearner | None = None,
                 site_lines_path: str | None = None, function: str = "pipelines.extract.extract_article",
                 pool: ExtractionPool | None = None, fingerprint: bool = False):
        self.function_path = function
        self.fingerprint = fingerprint
        self.pool = pool  # None: extract in the reactor thread
        self.in_flight = 0
        self.max_bytes = max_bytes
        self.stats = stats
        self.min_chars = min_chars
        self.content_types = tuple(t.lower() for t in content_types)
        self.site_rules = dict(site_rules or {})
        self.learner = learner
        self.site_lines_path = site_lines_path
        self._extra_rules: Mapping[str, Any] | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        learner = None
        path = None
        if settings.getbool("EXTRACT_LEARN_REPEATED_LINES"):
            learner = RepeatedLineLearner(
                min_pages=settings.getint("EXTRACT_REPEATED_LINE_MIN_PAGES"),
                max_words=settings.getint("EXTRACT_REPEATED_LINE_MAX_WORDS"),
                min_share=settings.getfloat("EXTRACT_REPEATED_LINE_MIN_SHARE"),
            )
            if settings.getbool("EXTRACT_REPEATED_LINES_PERSIST") and settings.get("ARCHIVE_DIR"):
                path = os.path.join(settings["ARCHIVE_DIR"], settings["CATALOG_PATH"])
        pipeline = cls(
            crawler.stats,
            settings.getint("EXTRACT_MIN_CHARS"),
            settings.getlist("EXTRACT_CONTENT_TYPES"),
            settings.getint("EXTRACT_MAX_BYTES"),
            site_rules=site_rules_from(settings.getdict("EXTRACT_SITE_RULES")),
            learner=learner,
            site_lines_path=path,
            function=settings.get("EXTRACT_FUNCTION"),
            pool=extraction_pool(settings),
            fingerprint=settings.getbool("STORIES_ENABLED"),
        )
        pipeline._crawler = crawler
        return pipeline

    def open_spider(self, spider=None):
        spider = spider if spider is not None else getattr(getattr(self, "_crawler", None), "spider", None)
        extra = getattr(spider, "extract_site_rules", None)
        if extra:  # the spider knows more sites (sources spider): its rules join the settings' ones
            self.site_rules = site_rules_from(self.site_rules, extra)
        if self.learner is not None and self.site_lines_path:
            hosts = site_lines.load(self.site_lines_path, self.learner)
            self.learner.export(changed_only=True)  # what was just loaded is not new
            logger.info("Loaded repeated-line counts for %d hosts", hosts)

    def close_spider(self, spider=None):
        if self.pool is not None:
            self.stats.set_value("extract/pool/max_pending", self.pool.max_pending_seen)
            self.stats.set_value("extract/pool/restarts", self.pool.restarts)
            self.pool.close()
        if self.learner is not None and self.site_lines_path:
            hosts = site_lines.save(self.site_lines_path, self.learner)
            logger.info("Saved repeated-line counts for %d hosts", hosts)

    async def process_item(self, item):
        adapter = ItemAdapter(item)
        # pages inside this stage now: waiting for a worker or being extracted
        self.in_flight += 1
        self.stats.max_value("extract/max_in_flight", self.in_flight)
        try:
            self._check(adapter)
            url = adapter["url"]
            host = urlsplit(url).hostname or ""
            kwargs = {"site_rules": rules_for_host(self.site_rules, host),
                      "repeated_lines": self.learner.repeated(host) if self.learner is not None and host else None}
            args = (self.function_path, adapter["body"], url)
            try:
                if self.pool is not None:
                    article, story_fingerprint = await self.pool.run(*args, fingerprint=self.fingerprint, **kwargs)
                else:
                    article, story_fingerprint = extract_page(*args, fingerprint=self.fingerprint, **kwargs)
            except ExtractionTimedOut as exc:
                logger.warning("Extraction of %s ran past EXTRACT_TIMEOUT: archived, not extracted", url)
                raise drops.ExtractionTimeout(f"{exc}: {url}") from exc
            except WorkerCrashed as exc:
                logger.error("Extraction worker died on %s", url)
                raise drops.ExtractionFailed(f"{exc}: {url}") from exc
            except Exception as exc:  # one bad page never stops the crawl
                logger.exception("Extraction failed for %s", url)
                raise drops.ExtractionFailed(f"{type(exc).__name__}: {exc}: {url}") from exc
            self._apply(adapter, article, host)
            adapter["story_fingerprint"] = story_fingerprint
        except drops.NotAnArticle as drop:
            self.stats.inc_value(drop.stats_key)
            raise
        finally:
            self.in_flight -= 1
        self.stats.inc_value("extract/ok")
        return item

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
        for name in ("canonical_url", "title", "author", "published", "language", "site_name",
                     "description", "text"):
            adapter[name] = getattr(article, name)

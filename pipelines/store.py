"""Storage: clean text in a WARC conversion record, a text file with a JSON
sidecar, and a catalog row, in that order, so that nothing ever points at a
record or file that is not on disk yet."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import sqlite3
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured

from . import drops
from .catalog import COLUMNS, Catalog

logger = logging.getLogger(__name__)

_UNSAFE_HOST_CHARS = re.compile(r"[^a-z0-9.-]+")


def safe_host(url: str) -> str:
    """A directory name from the URL's host: [a-z0-9.-] only, never '.' or '..'."""
    host = (urlsplit(url).hostname or "").lower()
    host = _UNSAFE_HOST_CHARS.sub("_", host).strip(".")[:100]
    return host or "unknown-host"


def text_relpath(url: str, fetched_at: dt.datetime) -> str:
    """``text/HOST/YYYY/MM/DD/URLHASH-hhmmss.txt``: host, date and hash, no raw URL characters."""
    url_hash = hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]
    return os.path.join(
        "text", safe_host(url), fetched_at.strftime("%Y/%m/%d"),
        f"{url_hash}-{fetched_at.strftime('%H%M%S')}.txt",
    )


def render_text(title: str | None, body: str) -> str:
    """The text file format: the title, a blank line, then the paragraphs
    separated by blank lines; UTF-8, ending with one newline."""
    parts = [title.strip()] if title and title.strip() else []
    parts.append(body.strip())
    return "\n\n".join(parts) + "\n"


def write_atomically(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as out:
        out.write(data)
    os.replace(tmp, path)


class StorePipeline:
    """Stores a new revision of an article; the same text again is dropped as unchanged."""

    def __init__(self, archive_dir: str, catalog: Catalog, stats, warc_writer=None, run: str | None = None,
                 on_write_error=None, story_linker=None):
        self.story_linker = story_linker  # pipelines.stories.StoryLinker, or None (STORIES_ENABLED off)
        self.run_id = run
        self.on_write_error = on_write_error
        self.archive_dir = archive_dir
        self.catalog = catalog
        self.stats = stats
        self.warc_writer = warc_writer

    @classmethod
    def from_crawler(cls, crawler):
        from crawler.resources import catalog, run_id, stop_on_write_error, warc_writer

        settings = crawler.settings
        archive_dir = settings.get("ARCHIVE_DIR")
        if not archive_dir:
            raise NotConfigured("ARCHIVE_DIR is empty")
        writer = warc_writer(crawler) if settings.getbool("WARC_ENABLED") else None
        # --- story clusters (STORIES_*) ---
        linker = None
        if settings.getbool("STORIES_ENABLED"):
            from .stories import StoryLinker
            linker = StoryLinker(catalog(crawler).db, threshold=settings.getfloat("STORIES_THRESHOLD"),
                                 min_words=settings.getint("STORIES_MIN_WORDS"))
        return cls(archive_dir, catalog(crawler), crawler.stats, writer, run_id(crawler),
                   lambda exc, what: stop_on_write_error(crawler, exc, what), story_linker=linker)

    def process_item(self, item):
        try:
            return self._store(item)
        except (OSError, sqlite3.Error) as exc:
            if self.on_write_error is None:
                raise
            self.on_write_error(exc, f"the article {ItemAdapter(item)['url']}")
            raise drops.StoreFailed(f"{type(exc).__name__}: {exc}") from exc

    def _store(self, item):
        adapter = ItemAdapter(item)
        url = adapter["url"]
        for field in ("title", "published", "language"):  # the page first, then discovery
            if not adapter.get(field) and adapter.get(f"source_{field}"):
                adapter[field] = adapter[f"source_{field}"]
        fetched = dt.datetime.fromisoformat(adapter["fetched_at"]) if adapter.get("fetched_at") \
            else dt.datetime.now(dt.UTC)
        text = render_text(adapter.get("title"), adapter["text"]).encode("utf-8")
        adapter["text_sha1"] = hashlib.sha1(text).hexdigest()
        latest = self.catalog.latest_revision(url, adapter.get("canonical_url"))
        if latest is not None and latest["text_sha1"] == adapter["text_sha1"]:
            drop = drops.Unchanged(f"same text as revision {latest['revision']}: {url}")
            self.stats.inc_value(drop.stats_key)
            raise drop
        adapter["revision"] = latest["revision"] + 1 if latest is not None else 1
        adapter["run_id"] = self.run_id
        if self.warc_writer is not None and adapter.get("response_record_id"):
            conversion = self.warc_writer.write_conversion(
                url, text, refers_to=adapter["response_record_id"], when=dt.datetime.now(dt.UTC)
            )
            adapter["conversion_record_id"] = conversion.record_id
            self.stats.inc_value("warc/records")
        relpath = text_relpath(url, fetched)
        path = os.path.join(self.archive_dir, relpath)
        write_atomically(path, text)
        adapter["text_path"] = relpath
        row = {name: adapter.get(name) for name in COLUMNS}
        article_id = self.catalog.add_article(row)
        # --- story clusters: link this row to the story of its closest earlier article ---
        if self.story_linker is not None:
            adapter["story_id"], adapter["story_similarity"] = self.story_linker.link(
                article_id, adapter["text"], url=url, canonical_url=adapter.get("canonical_url"),
                precomputed=adapter.get("story_fingerprint"))
            self.stats.inc_value("stories/new" if adapter["story_id"] == article_id else "stories/linked")
        sidecar = {**row, "id": article_id, "status": adapter.get("status"),
                   "content_type": adapter.get("content_type"), "story_id": adapter.get("story_id"),
                   "story_similarity": adapter.get("story_similarity")}
        write_atomically(path[: -len(".txt")] + ".json",
                         json.dumps(sidecar, ensure_ascii=False, indent=2).encode("utf-8"))
        self.stats.inc_value("store/articles")
        if adapter["revision"] > 1:
            self.stats.inc_value("store/revisions")
        logger.info("Archived %s (revision %d) -> %s", url, adapter["revision"], relpath)
        return item

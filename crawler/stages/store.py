"""StoreStage (ITEM_PIPELINES 800): the text as a WARC conversion record, its text file,
then the catalog row — in that order, so nothing ever points at a record or file that is
not on disk yet; the same text again is dropped as unchanged. SidecarStage (900): the JSON
sidecar, last, once the row has its story."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import sqlite3

from itemadapter import ItemAdapter

from crawler import drops
from crawler.capture.archive import Archive
from pipelines.storage.catalog import COLUMNS
from pipelines.storage.revisions import next_revision
from pipelines.storage.texts import render_text, write_atomically, write_sidecar

logger = logging.getLogger(__name__)


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
            raise drops.counted(self.stats, drops.Unchanged(f"same text as revision {latest['revision']}: "
                                                       f"{adapter['url']}"))
        adapter["revision"] = revision


class SidecarStage:
    """The JSON sidecar beside the text file (ITEM_PIPELINES 900), written once, last: the
    catalog row as it ended up (with its story) and what the response was."""

    def __init__(self, archive: Archive):
        self.archive = archive

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.get_extension(Archive))

    def process_item(self, item):
        adapter = ItemAdapter(item)
        try:
            write_sidecar(self.archive.layout.path(adapter["text_path"]), sidecar(adapter))
        except OSError as exc:
            self.archive.write_failed(exc, f"the sidecar of {adapter['url']}")
            raise drops.StoreFailed(f"{type(exc).__name__}: {exc}") from exc
        return item


def sidecar(adapter: ItemAdapter) -> dict:
    """The JSON beside a text file: the catalog row, its id, and what the response was."""
    return {**{name: adapter.get(name) for name in COLUMNS}, "id": adapter.get("article_id"),
            "status": adapter.get("status"), "content_type": adapter.get("content_type"),
            "story_id": adapter.get("story_id"), "story_similarity": adapter.get("story_similarity")}

"""RevisionFilter (ITEM_PIPELINES 200): a page unchanged since its newest revision (a 304
to our conditional request, the same payload) is dropped before it is extracted."""

from __future__ import annotations

from itemadapter import ItemAdapter

from crawler import drops
from pipelines.storage.catalog import UrlState
from pipelines.storage.revisions import unchanged_payload


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
            raise drops.counted(self.stats, drops.Unchanged(f"{reason}: {adapter['url']}"))
        return item

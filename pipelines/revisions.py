"""Skips extraction for pages that have not changed since their last revision:
a 304 to a conditional request, or the same payload digest as the newest
revision archived for the URL. The capture is in the WARC either way (as a
response, or as a revisit record)."""

from __future__ import annotations

from itemadapter import ItemAdapter

from . import drops


class UnchangedFilterPipeline:
    def __init__(self, catalog, stats):
        self.catalog = catalog
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        from crawler.resources import catalog

        return cls(catalog(crawler), crawler.stats)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        try:
            self._check(adapter)
        except drops.Unchanged as drop:
            self.stats.inc_value(drop.stats_key)
            raise
        return item

    def _check(self, adapter: ItemAdapter) -> None:
        url = adapter["url"]
        if adapter["status"] == 304 and adapter.get("conditional"):
            raise drops.Unchanged(f"not modified since the last capture: {url}")
        latest = self.catalog.latest_revision(url)
        if latest is not None and latest["payload_digest"] == adapter.get("payload_digest"):
            raise drops.Unchanged(f"same payload as revision {latest['revision']}: {url}")

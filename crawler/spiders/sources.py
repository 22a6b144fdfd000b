"""``scrapy crawl sources -a config=sources.toml [-a only=SITE]``

Every site of the sources file (see sources.toml), each discovered its own
ways (sitemaps, feeds, start pages), with its own allowed domains, link
patterns, extraction rules and crawl delay, in one run.
"""

from __future__ import annotations

import scrapy
from scrapy.exceptions import UsageError

from crawler.discovery.sources import SourcesError, distributed_settings, load_sources, select

from .discover import DiscoveringSpider


def _sites(config, only):
    if not config:
        raise UsageError("give the sources file with -a config=PATH (see sources.toml)")
    try:
        return select(load_sources(config), only)
    except SourcesError as exc:
        raise UsageError(str(exc)) from None


class SourcesSpider(DiscoveringSpider):
    name = "sources"

    def __init__(self, config=None, only=None, _frontier_worker=False, **kwargs):
        # Not ArchiveSpider.__init__: the URLs come from the sources file, not from arguments.
        scrapy.Spider.__init__(self, **kwargs)
        self.set_sites([] if _frontier_worker and not config else _sites(config, only))

    @classmethod
    def check_arguments(cls, config=None, only=None, **kwargs) -> None:
        _sites(config, only)

    @classmethod
    def settings_from_arguments(cls, config=None, **kwargs) -> dict:
        """The sources file's [distributed] table as settings (applied by `scrapy crawl` and `scrapy seed`)."""
        try:
            return distributed_settings(config) if config else {}
        except SourcesError as exc:
            raise UsageError(str(exc)) from None

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Per-site crawl delay: one download slot per host, with the site's delay.
        slots = dict(crawler.settings.getdict("DOWNLOAD_SLOTS"))
        for site in spider.sites.values():
            if site.crawl_delay:
                for domain in site.allowed_domains:
                    slots.setdefault(domain, {"delay": site.crawl_delay})
        crawler.settings.set("DOWNLOAD_SLOTS", slots, priority="spider")
        return spider

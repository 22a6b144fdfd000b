"""``scrapy crawl feed -a urls=FEED_OR_PAGE_URL[,…] [-a since=YYYY-MM-DD]``

RSS 2.0 and Atom feeds; a page URL is searched for the feeds it announces
(``<link rel="alternate" type="application/rss+xml">``).
"""

from __future__ import annotations

from crawler.discovery.sources import SourceSite

from .discover import DiscoveringSpider, parse_since
from .inputs import allowed_hosts


class FeedSpider(DiscoveringSpider):
    name = "feed"

    def __init__(self, urls=None, urls_file=None, since=None, **kwargs):
        super().__init__(urls, urls_file, **kwargs)
        self.set_sites([SourceSite(name=self.name, allowed_domains=tuple(allowed_hosts(self.input_urls)),
                                   feeds=tuple(self.input_urls), since=parse_since(since))])

    @classmethod
    def check_arguments(cls, urls=None, urls_file=None, since=None, **kwargs) -> None:
        super().check_arguments(urls, urls_file)
        parse_since(since)

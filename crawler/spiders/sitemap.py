"""``scrapy crawl sitemap -a urls=SITEMAP_OR_ROBOTS_URL[,…] [-a since=YYYY-MM-DD]``

Sitemaps, sitemap indexes, gzip sitemaps, Google News sitemaps (their title,
date and language are kept), or a site's robots.txt whose ``Sitemap:`` lines
are followed. ``since`` skips entries last modified / published before it.
"""

from __future__ import annotations

from crawler.discovery.sources import SourceSite

from .discover import DiscoveringSpider, parse_since
from .inputs import allowed_hosts


class SitemapSpider(DiscoveringSpider):
    name = "sitemap"

    def __init__(self, urls=None, urls_file=None, since=None, **kwargs):
        super().__init__(urls, urls_file, **kwargs)
        self.set_sites([SourceSite(name=self.name, allowed_domains=tuple(allowed_hosts(self.input_urls)),
                                   sitemaps=tuple(self.input_urls), since=parse_since(since))])

    @classmethod
    def check_arguments(cls, urls=None, urls_file=None, since=None, **kwargs) -> None:
        super().check_arguments(urls, urls_file)
        parse_since(since)

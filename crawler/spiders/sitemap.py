"""``scrapy crawl sitemap -a urls=SITEMAP_OR_ROBOTS_URL[,…] [-a since=YYYY-MM-DD]``

Sitemaps, sitemap indexes, gzip sitemaps, Google News sitemaps (their title,
date and language are kept), or a site's robots.txt whose ``Sitemap:`` lines
are followed. ``since`` skips entries last modified / published before it.
"""

from __future__ import annotations

from .discover import DatedListSpider


class SitemapSpider(DatedListSpider):
    name = "sitemap"
    urls_field = "sitemaps"

"""``scrapy crawl feed -a urls=FEED_OR_PAGE_URL[,…] [-a since=YYYY-MM-DD]``

RSS 2.0 and Atom feeds; a page URL is searched for the feeds it announces
(``<link rel="alternate" type="application/rss+xml">``).
"""

from __future__ import annotations

from .discover import DatedListSpider


class FeedSpider(DatedListSpider):
    name = "feed"
    urls_field = "feeds"

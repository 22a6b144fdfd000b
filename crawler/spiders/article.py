"""``scrapy crawl article -a urls=URL1,URL2 [-a urls_file=PATH]``: archive the given articles."""

from __future__ import annotations

from .base import ArchiveSpider


class ArticleSpider(ArchiveSpider):
    name = "article"

    async def start(self):
        for url in self.input_urls:
            yield self.article_request(url, via="article")

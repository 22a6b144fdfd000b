"""``scrapy crawl site -a urls=START_PAGE[,…] [-a follow=REGEX] [-a deny=REGEX]
[-a article_pattern=REGEX] [-a depth=N]``

Follows links within the site from front pages and sections, up to ``depth``
links away (default 1), through links matching ``follow`` and not ``deny``,
and archives the pages that are articles: those whose URL matches
``article_pattern`` or, without one, those that pass the content test
(og:type / JSON-LD article, or one dense block of paragraphs). Navigation
pages are in the WARC but yield no article.
"""

from __future__ import annotations

import re

from scrapy.exceptions import UsageError

from crawler.discovery.inputs import allowed_hosts
from crawler.discovery.sources import SourceSite

from .discover import DiscoveringSpider


def _pattern(name: str, value: str | None) -> re.Pattern[str] | None:
    if not value:
        return None
    try:
        return re.compile(value)
    except re.error as exc:
        raise UsageError(f"{name} is not a valid regular expression ({exc}): {value!r}") from None


def _depth(value) -> int:
    try:
        depth = int(value)
    except (TypeError, ValueError):
        depth = -1
    if depth < 0:
        raise UsageError(f"depth must be a whole number ≥ 0, not {value!r}")
    return depth


class SiteSpider(DiscoveringSpider):
    name = "site"

    def __init__(self, urls=None, urls_file=None, follow=None, deny=None, article_pattern=None, depth=1, **kwargs):
        super().__init__(urls, urls_file, **kwargs)
        follow_re, deny_re = _pattern("follow", follow), _pattern("deny", deny)
        self.set_sites([SourceSite(
            name=self.name, allowed_domains=tuple(allowed_hosts(self.input_urls)),
            start_urls=tuple(self.input_urls),
            follow=(follow_re,) if follow_re else (), deny=(deny_re,) if deny_re else (),
            article_pattern=_pattern("article_pattern", article_pattern), depth=_depth(depth),
        )])

    @classmethod
    def check_arguments(cls, urls=None, urls_file=None, follow=None, deny=None, article_pattern=None, depth=1,
                        **kwargs) -> None:
        super().check_arguments(urls, urls_file)
        for name, value in (("follow", follow), ("deny", deny), ("article_pattern", article_pattern)):
            _pattern(name, value)
        _depth(depth)

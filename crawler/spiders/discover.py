"""Finding articles: sitemaps (and robots.txt Sitemap: lines), feeds (and feed
autodiscovery), and link following from start pages, for one or more sites.

Each site is a ``SourceSite`` (the sources file's entry; the single-purpose
spiders build one from their arguments). Requests carry the site's name in
``meta[meta.SITE]`` so that every callback applies that site's rules.
"""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import UsageError
from scrapy.http import HtmlResponse
from scrapy.linkextractors import LinkExtractor

from crawler import meta
from crawler.discovery.feeds import FeedError, discover_feeds, looks_like_feed, parse_feed
from crawler.discovery.inputs import allowed_hosts
from crawler.discovery.pages import is_article_page
from crawler.discovery.sitemaps import (
    SitemapError,
    entry_is_since,
    is_home_page,
    parse_date,
    parse_sitemap,
    site_root,
    sitemaps_from_robots,
)
from crawler.discovery.sources import SourceSite

from .base import ArchiveSpider, article_from_response
from .probing import ProbingMixin, new_probe

logger = logging.getLogger(__name__)



def parse_since(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"since must be a date like 2024-02-04, not {value!r}") from None


def session_meta(site: SourceSite) -> dict:
    """The site's proxy (Scrapy's meta["proxy"]) and cookie jar (meta["cookiejar"]), if it has them."""
    found = {}
    if site.proxy:
        found[meta.PROXY] = site.proxy
    if site.cookies_file:
        found[meta.COOKIEJAR] = site.name
    return found


class DiscoveringSpider(ProbingMixin, ArchiveSpider):
    """Base of the sitemap, feed, site and sources spiders."""

    sites: dict[str, SourceSite]
    link_extractor = LinkExtractor()

    def set_sites(self, sites: list[SourceSite]) -> None:
        self.sites = {site.name: site for site in sites}
        self.allowed_domains = sorted({d for site in sites for d in site.allowed_domains})
        self.start_hosts = frozenset(
            urlsplit(url).hostname for site in sites for url in (*site.sitemaps, *site.feeds, *site.start_urls))
        # jar key -> cookies.txt, loaded by the cookies middleware; the site's requests name their jar
        self.cookie_files = {site.name: site.cookies_file for site in sites if site.cookies_file}
        # host -> per-site extraction rules, read by the extraction pipeline
        self.extract_site_rules = {
            domain: {"prune_xpaths": list(site.prune_xpaths),
                     "junk_patterns": [p.pattern for p in site.junk_patterns]}
            for site in sites if site.prune_xpaths or site.junk_patterns
            for domain in site.allowed_domains
        }

    def requisite_meta(self, response) -> dict:
        """What a page's requisites carry from its site: its proxy and cookie jar."""
        site = self.sites.get(response.meta.get(meta.SITE))
        return session_meta(site) if site is not None else {}

    async def start(self):
        for site in self.sites.values():
            for url in site.sitemaps:
                if is_home_page(url):  # what users type: its robots.txt, then the conventional places
                    request = self._request(site_root(url) + "/robots.txt", self.parse_robots, site,
                                            **{meta.PROBE: new_probe("sitemap", url)})
                    request.errback = self.probe_failed
                    yield request
                    continue
                callback = self.parse_robots if urlsplit(url).path == "/robots.txt" else self.parse_sitemap
                yield self._request(url, callback, site)
            for url in site.feeds:
                yield self._request(url, self.parse_feed, site)
            for url in site.start_urls:
                yield self._request(url, self.parse_page, site, depth=0)

    def _request(self, url: str, callback, site: SourceSite, depth: int | None = None, **extra) -> scrapy.Request:
        site_meta = {meta.SITE: site.name} if depth is None else {meta.SITE: site.name, meta.DEPTH: depth}
        return scrapy.Request(url, callback=callback, errback=self.failed,
                              meta={**site_meta, **session_meta(site), **extra})

    def _site(self, response) -> SourceSite:
        return self.sites[response.meta[meta.SITE]]

    def _article(self, url: str, site: SourceSite, via: str, maybe: bool = False, **source) -> scrapy.Request:
        request = self.article_request(url, via=via, maybe=maybe, **source)
        request.meta[meta.SITE] = site.name
        request.meta.update(session_meta(site))
        return request

    def _discovered(self, via: str) -> None:
        self.crawler.stats.inc_value(f"discovery/{via}/articles")

    # -- sitemaps ---------------------------------------------------------
    def parse_robots(self, response):
        site = self._site(response)
        probe = response.meta.get(meta.PROBE)
        found = sitemaps_from_robots(response.body) if response.status == 200 else []
        if not found and probe:  # from a home page: try the conventional places
            yield from self.probe_places(site, probe)
            return
        if not found:
            logger.warning("No Sitemap: lines in %s (HTTP %s)", response.url, response.status)
        for url in found:
            yield self._request(url, self.parse_sitemap, site)

    def parse_sitemap(self, response):
        probe = response.meta.get(meta.PROBE)  # a conventional place tried for a home page
        found = yield from self._sitemap_entries(response, quiet=probe is not None)
        if probe:
            if found:
                logger.info("Found the sitemap %s for %s", response.url, probe["home"])
            yield from self.probe_next(self._site(response), probe, found=found, answered=response.url)

    def _sitemap_entries(self, response, *, quiet: bool):
        """The sitemap's requests; returns whether the response was a sitemap. ``quiet``: one that is
        not (a 404, a soft-404 page) is no error."""
        site = self._site(response)
        if response.status != 200:
            if not quiet:
                logger.error("Sitemap %s answered HTTP %s", response.url, response.status)
                self.crawler.stats.inc_value("discovery/sitemap/errors")
            return False
        try:
            sitemap = parse_sitemap(response.body)
        except SitemapError as exc:
            if not quiet:
                logger.error("Bad sitemap %s: %s", response.url, exc)
                self.crawler.stats.inc_value("discovery/sitemap/errors")
            return False
        self.crawler.stats.inc_value("discovery/sitemap/files")
        for entry in sitemap.entries:
            if site.since and not entry_is_since(entry, site.since):
                self.crawler.stats.inc_value("discovery/sitemap/too_old")
                continue
            if sitemap.kind == "sitemapindex":
                yield self._request(entry.loc, self.parse_sitemap, site)
                continue
            self._discovered("sitemap")
            yield self._article(entry.loc, site, "sitemap", title=entry.news_title,
                                published=entry.news_publication_date, language=entry.news_language)
        return True

    # -- feeds ------------------------------------------------------------
    def parse_feed(self, response):
        site = self._site(response)
        probe = response.meta.get(meta.PROBE)  # a conventional place tried for a page without feeds
        if probe:
            found = yield from self._feed_entries(response, site, quiet=True)
            yield from self.probe_next(site, probe, found=found, answered=response.url)
            return
        yield from self._feed_entries(response, site, quiet=False)

    def _feed_entries(self, response, site: SourceSite, *, quiet: bool):
        """The feed's requests (or those of the feeds the page announces); returns whether any was
        found. A page that announces none starts the search of the conventional places."""
        if response.status != 200:
            if not quiet:
                logger.error("Feed %s answered HTTP %s", response.url, response.status)
                self.crawler.stats.inc_value("discovery/feed/errors")
            return False
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        if not looks_like_feed(response.body, content_type):
            html = isinstance(response, HtmlResponse)
            feeds = discover_feeds(response.body, response.url) if html else []
            if not feeds and html and not quiet:  # a home page without <link rel="alternate">
                yield from self.probe_places(site, new_probe("feed", response.url), answered=response.url)
            elif not feeds and not quiet:
                logger.error("Neither a feed nor a page announcing one: %s", response.url)
                self.crawler.stats.inc_value("discovery/feed/errors")
            for url in feeds:
                yield self._request(url, self.parse_feed, site)
            return bool(feeds)
        try:
            entries = parse_feed(response.body, response.url)
        except FeedError as exc:
            if not quiet:
                logger.error("Bad feed %s: %s", response.url, exc)
                self.crawler.stats.inc_value("discovery/feed/errors")
            return False
        for entry in entries:
            published = parse_date(entry.published) if entry.published else None
            if site.since and published and published < site.since:
                self.crawler.stats.inc_value("discovery/feed/too_old")
                continue
            self._discovered("feed")
            yield self._article(entry.link, site, "feed", title=entry.title, published=entry.published,
                                language=entry.language)
        return True

    # -- link following -----------------------------------------------------
    def parse_page(self, response):
        """A start page or a followed link: archive it if it is an article, follow its links."""
        site = self._site(response)
        depth = response.meta.get(meta.DEPTH, 0)
        if not isinstance(response, HtmlResponse) or response.status != 200:
            return
        if depth > 0 and self._is_article(site, response):
            self._discovered("site")
            yield article_from_response(response)
        if depth >= site.depth:
            return
        for link in self.link_extractor.extract_links(response):
            url = link.url
            # by host: LinkExtractor's allow_domains also compares the port
            if not (site.is_allowed_domain(url) and site.allows(url)):
                continue
            # Without a matching pattern only the page can tell whether it is an
            # article; the catalog then decides whether it is due again.
            matches = site.article_pattern is not None and site.article_pattern.search(url)
            request = self._article(url, site, "site", maybe=not matches)
            request.callback = self.parse_page
            request.meta[meta.DEPTH] = depth + 1
            yield request

    def _is_article(self, site: SourceSite, response) -> bool:
        if site.article_pattern is not None:
            return bool(site.article_pattern.search(response.url))
        return is_article_page(response.body, response.url)


class DatedListSpider(DiscoveringSpider):
    """Base of the sitemap and feed spiders: one kind of input URL (``urls_field`` of the
    site) and ``-a since=YYYY-MM-DD``."""

    urls_field: str

    def __init__(self, urls=None, urls_file=None, since=None, **kwargs):
        super().__init__(urls, urls_file, **kwargs)
        self.set_sites([SourceSite(name=self.name, allowed_domains=tuple(allowed_hosts(self.input_urls)),
                                   since=parse_since(since), **{self.urls_field: tuple(self.input_urls)})])

    @classmethod
    def check_arguments(cls, urls=None, urls_file=None, since=None, **kwargs) -> None:
        super().check_arguments(urls, urls_file)
        parse_since(since)

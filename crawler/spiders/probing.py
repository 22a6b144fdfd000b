"""Discovery from a home page: when a site names no sitemap or feed, try the conventional places.

The sitemap spider given ``https://example.com/`` reads robots.txt's ``Sitemap:`` lines and, when
there are none, tries ``/sitemap.xml``, ``/sitemap_index.xml``, ``/news-sitemap.xml`` and
``/sitemap-news.xml``; the feed spider given a page that announces no feed
(``<link rel="alternate">``) tries ``/feed``, ``/rss``, ``/rss.xml``, … on its host. The places are
tried one after another, each request carrying the rest of the list and whether anything was
found yet (``meta.PROBE``: plain values, so the chain also works when another worker of a
distributed crawl answers a step). When the last place was tried and nothing was found, a
WARNING says so and ``discovery/not_found/<kind>/<host>`` fails the run (exit status 9).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

from crawler import meta
from crawler.discovery.feeds import CONVENTIONAL_FEED_PATHS
from crawler.discovery.sitemaps import CONVENTIONAL_SITEMAP_PATHS, site_root
from crawler.drops import HostNotCrawled

logger = logging.getLogger(__name__)

PATHS = {"sitemap": CONVENTIONAL_SITEMAP_PATHS, "feed": CONVENTIONAL_FEED_PATHS}


def new_probe(kind: str, home: str) -> dict:
    """The state of a search for a site's sitemaps or feeds, started from ``home``."""
    return {"kind": kind, "home": home, "next": [], "found": False}


class ProbingMixin:
    """For DiscoveringSpider: the chain of conventional places (needs ``_request``, ``sites``, ``failed``)."""

    def probe_places(self, site, probe: dict, answered: str | None = None):
        """Start trying the conventional places of ``probe['kind']`` on the home page's host."""
        root = site_root(probe["home"])
        places = [root + path for path in PATHS[probe["kind"]] if root + path != answered]
        logger.info("%s: no %s named; trying %s", probe["home"], probe["kind"], ", ".join(PATHS[probe["kind"]]))
        yield from self.probe_next(site, {**probe, "next": places})

    def probe_next(self, site, probe: dict, *, found: bool = False, answered: str | None = None):
        """The next place to try, or the verdict once every place was tried."""
        probe = {**probe, "found": probe["found"] or found}
        remaining = [url for url in probe["next"] if url != answered]  # a redirect may have reached it already
        if not remaining:
            if not probe["found"]:
                self.nothing_found(probe)
            return
        url, rest = remaining[0], remaining[1:]
        callback = self.parse_sitemap if probe["kind"] == "sitemap" else self.parse_feed
        request = self._request(url, callback, site, **{meta.PROBE: {**probe, "next": rest}})
        request.dont_filter = True  # a place given explicitly too must not end the chain
        request.errback = self.probe_failed
        yield request

    def probe_failed(self, failure):
        request = failure.request
        probe = request.meta[meta.PROBE]
        if failure.check(HostNotCrawled) or not failure.check(IgnoreRequest):
            self.failed(failure)  # logged and counted as any failed request (unreachable hosts too)
        if failure.check(HostNotCrawled):
            return  # the host cannot be reached: that is the run's error, not a missing sitemap
        logger.debug("%s: not at %s (%s)", probe["home"], request.url, failure.getErrorMessage())
        yield from self.probe_next(self.sites[request.meta[meta.SITE]], probe)

    def nothing_found(self, probe: dict) -> None:
        kind, home = probe["kind"], probe["home"]
        host = urlsplit(home).hostname or ""
        self.crawler.stats.inc_value(f"discovery/not_found/{kind}/{host}")
        where = "robots.txt names none" if kind == "sitemap" else "the page announces none"
        logger.warning("No %s found for %s: %s, and none is at %s", kind, home, where, ", ".join(PATHS[kind]))

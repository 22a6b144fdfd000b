"""What every spider of the project shares: URL arguments, article requests,
turning a response into an Article item, and reporting failed requests."""

from __future__ import annotations

import logging

import scrapy
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError, IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached

from crawler import meta
from crawler.discovery.inputs import allowed_hosts, parse_url_arguments
from crawler.drops import AlreadyArchived, HostNotCrawled, RequisiteLimit
from crawler.items import Article

logger = logging.getLogger(__name__)

# Errors that mean the host cannot be reached at all: listed by host in the run summary and
# report (crawl/unreachable/<error>/<host>), and the run fails (exit status 8).
UNREACHABLE = (CannotResolveHostError.__name__, DownloadConnectionRefusedError.__name__)


class ArchiveSpider(scrapy.Spider):
    """Base of the project's spiders: ``-a urls=A,B`` and/or ``-a urls_file=PATH``."""

    def __init__(self, urls: str | None = None, urls_file: str | None = None, _frontier_worker: bool = False,
                 **kwargs):
        super().__init__(**kwargs)
        # A worker of a distributed crawl may start with nothing to seed: the frontier has the work.
        worker_only = _frontier_worker and not (urls or urls_file)
        self.input_urls = [] if worker_only else parse_url_arguments(urls, urls_file)
        # Scrapy's OffsiteMiddleware keeps requests and redirects on these hosts.
        self.allowed_domains = allowed_hosts(self.input_urls)
        # Only these may resolve to private or loopback addresses (see the download handler).
        self.start_hosts = frozenset(self.allowed_domains)

    @classmethod
    def check_arguments(cls, urls: str | None = None, urls_file: str | None = None, **kwargs) -> None:
        """Called by `scrapy crawl` before the crawl starts: raise UsageError on bad arguments."""
        parse_url_arguments(urls, urls_file)

    def article_request(self, url: str, *, via: str, maybe: bool = False, **source) -> scrapy.Request:
        """A request for an article page; ``maybe``: only the page itself can tell."""
        request_meta = {meta.ARTICLE: meta.MAYBE_ARTICLE if maybe else True,
                        meta.SOURCE: {"discovered_via": via, **{k: v for k, v in source.items() if v}}}
        return scrapy.Request(url, callback=self.parse_article, errback=self.failed, meta=request_meta)

    def requisite_meta(self, response) -> dict:
        """request.meta a page's requisites carry from the page (a site's proxy, cookie jar)."""
        return {}

    def parse_article(self, response):
        yield article_from_response(response)

    def parse_requisite(self, response):
        """A page requisite is a capture, not an article: nothing to extract (the requisite
        middleware reads stylesheets and iframes for their own requisites)."""
        return ()

    def requisite_failed(self, failure):
        """A requisite not fetched: counted apart from the run's errors (not an article)."""
        stats, url = self.crawler.stats, failure.request.url
        if failure.check(AlreadyArchived):
            return
        if failure.check(IgnoreRequest):
            message = failure.getErrorMessage()
            reason = ("robots" if "robots.txt" in message else "private_address" if "non-public" in message
                      else "limit" if failure.check(RequisiteLimit) else "other")
            stats.inc_value(f"requisites/ignored/{reason}")
            logger.info("Requisite not fetched %s: %s", url, message)
            return
        stats.inc_value("requisites/failed")
        stats.inc_value(f"requisites/failed/{type(failure.value).__name__}")
        logger.warning("Could not fetch requisite %s: %s", url, failure.getErrorMessage())

    def failed(self, failure):
        url = failure.request.url
        stats = self.crawler.stats
        if failure.check(AlreadyArchived):
            logger.debug("%s", failure.value)
            return
        if failure.check(HostNotCrawled):  # its robots.txt met the error the page would have met
            error = failure.value.error
        elif failure.check(IgnoreRequest):  # robots.txt or scope: by design, not a fault
            stats.inc_value("crawl/ignored")
            logger.warning("Not fetched %s: %s", url, failure.getErrorMessage())
            return
        else:
            error = type(failure.value).__name__
        stats.inc_value(f"crawl/failed/{error}")
        parts = urlparse_cached(failure.request)
        host = f"{parts.hostname}:{parts.port}" if parts.port else (parts.hostname or "")
        if error in UNREACHABLE:
            stats.inc_value(f"crawl/unreachable/{error}/{host}")
            what = "cannot be resolved" if error == CannotResolveHostError.__name__ else "refuses connections"
            logger.error("Could not fetch %s: the host %s %s (%s)", url, host, what, failure.getErrorMessage())
            return
        logger.error("Could not fetch %s: %s", url, failure.getErrorMessage())


def article_from_response(response) -> Article:
    # The record holding the payload: the response itself, or a revisit's original.
    capture = response.meta.get(meta.CAPTURE) or {}
    source = response.meta.get(meta.SOURCE) or {}
    return Article(
        url=response.url,
        status=response.status,
        content_type=(response.headers.get(b"Content-Type") or b"").decode("latin-1"),
        body=response.body,
        fetched_at=capture.get("fetched_at"),
        warc_file=capture.get("payload_file"),
        warc_offset=capture.get("payload_offset"),
        response_record_id=capture.get("payload_record_id"),
        payload_digest=capture.get("payload_digest"),
        state=response.meta.get(meta.STATE),
        conditional=bool(capture.get("conditional")),
        truncated="dataloss" in response.flags,
        headers={name.decode("latin-1").lower(): b", ".join(values).decode("latin-1")
                 for name, values in response.headers.items()},
        capture_record_id=capture.get("record_id"),
        discovered_via=source.get("discovered_via"),
        source_title=source.get("title"),
        source_published=source.get("published"),
        source_language=source.get("language"),
    )

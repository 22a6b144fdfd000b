"""robots.txt that holds under concurrency, with the RFC 9309 failure rules.

Scrapy 2.19's RobotsTxtMiddleware hands the parser to the first request that
waited for a host's robots.txt and ``None`` (allow) to the others, because
they all await one shared Deferred whose first callback swallows the result.
Here every waiter gets its own Deferred.

RFC 9309, 2.3.1: a 4xx robots.txt (or too many redirects) means no restrictions; a 5xx, or a
robots.txt that cannot be fetched at all, means complete disallow. A robots.txt that cannot be
fetched at all (the host does not resolve, refuses connections, the proxy fails) makes every
request to the host fail with ``drops.HostNotCrawled`` naming that cause, not "Forbidden by
robots.txt": the page would have met the same error.

The robots.txt request goes through the same proxy as the request that needed it (a site's
``proxy`` in the sources file) and waits in the host's download slot like any other request.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.internet.defer import Deferred

from crawler import meta
from crawler.drops import HostNotCrawled

logger = logging.getLogger(__name__)

DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


class StrictRobotsTxtMiddleware:
    DOWNLOAD_PRIORITY = 1000

    def __init__(self, crawler, parser_class, user_agent: str, robots_user_agent: str | None):
        self.crawler = crawler
        self.stats = crawler.stats
        self.parser_class = parser_class
        self.user_agent = user_agent
        self.robots_user_agent = robots_user_agent
        self._parsers: dict[str, object | None] = {}
        self._waiters: dict[str, list[Deferred]] = {}
        self._unfetchable: dict[str, tuple[str, str]] = {}  # netloc -> (error name, message)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        return cls(
            crawler,
            load_object(settings.get("ROBOTSTXT_PARSER")),
            settings.get("USER_AGENT"),
            settings.get("ROBOTSTXT_USER_AGENT"),
        )

    async def process_request(self, request: Request, spider=None) -> None:
        if request.meta.get("dont_obey_robotstxt"):
            return
        parser = await self.robot_parser(request)
        unfetchable = self._unfetchable.get(urlparse_cached(request).netloc)
        if unfetchable is not None:
            error, message = unfetchable
            raise HostNotCrawled(f"{message} (its robots.txt could not be fetched): {request.url}", error)
        if parser is None:
            return
        agent = self.robots_user_agent or request.headers.get(b"User-Agent", self.user_agent)
        if not parser.allowed(request.url, agent):
            logger.debug("Forbidden by robots.txt: %s", request.url)
            self.stats.inc_value("robotstxt/forbidden")
            raise IgnoreRequest(f"Forbidden by robots.txt: {request.url}")

    async def robot_parser(self, request: Request):
        """The host's parser (None: no restrictions), fetching robots.txt once."""
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc in self._parsers:
            return self._parsers[netloc]
        if netloc in self._waiters:
            waiter: Deferred = Deferred()
            self._waiters[netloc].append(waiter)
            return await maybe_deferred_to_future(waiter)
        self._waiters[netloc] = []
        parser = await self._fetch(f"{url.scheme}://{netloc}/robots.txt", request)
        self._parsers[netloc] = parser
        for waiter in self._waiters.pop(netloc):
            waiter.callback(parser)
        return parser

    async def _fetch(self, robots_url: str, needed_by: Request):
        robots_meta = {"dont_obey_robotstxt": True}
        headers = {}
        if meta.PROXY in needed_by.meta:  # the same way out as the page (a site's proxy)
            robots_meta[meta.PROXY] = needed_by.meta[meta.PROXY]
            if b"Proxy-Authorization" in needed_by.headers:  # HttpProxyMiddleware moved the credentials there
                headers[b"Proxy-Authorization"] = needed_by.headers[b"Proxy-Authorization"]
                if "_auth_proxy" in needed_by.meta:
                    robots_meta["_auth_proxy"] = needed_by.meta["_auth_proxy"]
        request = Request(
            robots_url,
            priority=self.DOWNLOAD_PRIORITY,
            meta=robots_meta,
            headers=headers,
            callback=NO_CALLBACK,
        )
        self.stats.inc_value("robotstxt/request_count")
        try:
            response = await self.crawler.engine.download_async(request)
        except IgnoreRequest:
            # Refused before it was sent (scope, address guard): the page requests
            # meet the same refusal themselves, with its own reason.
            return None
        except Exception as exc:
            logger.error("robots.txt unreachable, disallowing the host: %s (%s: %s)", robots_url,
                         type(exc).__name__, exc)
            self.stats.inc_value(f"robotstxt/exception_count/{type(exc).__name__}")
            self._unfetchable[urlparse_cached(request).netloc] = (type(exc).__name__, str(exc) or type(exc).__name__)
            return self._build(DISALLOW_ALL)
        status = response.status
        self.stats.inc_value(f"robotstxt/response_status_count/{status}")
        if 200 <= status < 300:
            return self._build(response.body)
        if 300 <= status < 500:  # 4xx, or redirects past REDIRECT_MAX_TIMES
            return None
        logger.warning("robots.txt answered %s, disallowing the host: %s", status, robots_url)
        return self._build(DISALLOW_ALL)

    def _build(self, body: bytes):
        return build_from_crawler(self.parser_class, self.crawler, body)

"""Download handler for http(s) that sees the raw exchange.

Every exchange that got as far as a status line is archived by the ``Archive``
extension before Scrapy's middlewares touch the response (before decompression,
redirects, retries or robots decisions), including truncated ones (too large, timed
out, connection lost) so that nothing the server sent is lost; what was written is
carried on in ``request.meta[meta.CAPTURE]``. An exchange without a status line leaves
its request and the bytes received in the archive, and fails.

Proxies are configured the Scrapy way: ``request.meta["proxy"]`` (set by the spider, the
sources file's per-site ``proxy``, or Scrapy's HttpProxyMiddleware from the ``http_proxy`` /
``https_proxy`` / ``no_proxy`` environment variables), with credentials in the proxy URL or
in the ``Proxy-Authorization`` header HttpProxyMiddleware makes of them. That header goes to
the proxy only (crawler/capture/proxy.py), never to the origin or into the archive.
"""

from __future__ import annotations

import ipaddress
import logging

from scrapy import Request
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotSupported,
    ResponseDataLossError,
)
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from crawler import meta

from . import wire
from .archive import Archive

logger = logging.getLogger(__name__)


class ProxyError(DownloadFailedError):
    """The proxy could not be reached, or refused the credentials or the tunnel."""


_ERRORS: list[tuple[type[wire.WireError], type[Exception]]] = [
    (wire.ProxyFailed, ProxyError),
    (wire.ResolveFailed, CannotResolveHostError),
    (wire.ConnectFailed, DownloadConnectionRefusedError),
    (wire.ExchangeTimeout, DownloadTimeoutError),
    (wire.BodyTooLarge, DownloadCancelledError),
    (wire.DataLoss, ResponseDataLossError),
    (wire.ProtocolError, DownloadFailedError),
    (wire.BlockedAddress, IgnoreRequest),
]


class CapturingHttpDownloadHandler(BaseDownloadHandler):
    lazy = False

    def __init__(self, crawler):
        super().__init__(crawler)
        settings = crawler.settings
        # Per request these come from meta (DownloadTimeoutMiddleware sets download_timeout),
        # as in Scrapy's own HTTP handler; the settings are the defaults.
        self.default_timeout = settings.getfloat("DOWNLOAD_TIMEOUT")
        self.default_maxsize = settings.getint("DOWNLOAD_MAXSIZE")
        self.fail_on_dataloss = settings.getbool("DOWNLOAD_FAIL_ON_DATALOSS")
        self.allow_private = settings.getbool("ARCHIVE_ALLOW_PRIVATE")
        self.archive = crawler.get_extension(Archive)
        self.client = wire.HttpClient(
            verify_certificates=settings.getbool("DOWNLOAD_VERIFY_CERTIFICATES"),
            max_idle_per_origin=settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"),
            max_header_lines=settings.getint("ARCHIVE_MAX_HEADER_LINES"),
            max_head_bytes=settings.getint("ARCHIVE_MAX_HEADER_BYTES"),
            may_connect=self.may_connect,
        )

    def may_connect(self, host: str, ip: str) -> bool:
        """Public addresses always; others only on the hosts the crawl was started on."""
        if self.allow_private or wire.is_public_address(ip):
            return True
        return host.lower() in getattr(self.crawler.spider, "start_hosts", ())

    @staticmethod
    def proxy(request: Request) -> wire.Proxy | None:
        """The request's proxy (meta["proxy"]), with its Proxy-Authorization, if any."""
        url = request.meta.get("proxy")
        if not url:
            return None
        try:
            return wire.Proxy.from_url(url, request.headers.get(b"Proxy-Authorization"))
        except wire.ProxyFailed as exc:
            raise NotSupported(f"{exc}: {request.url}") from None

    async def download_request(self, request: Request) -> Response:
        proxy = self.proxy(request)
        timeout = request.meta.get("download_timeout", self.default_timeout)
        maxsize = request.meta.get("download_maxsize", self.default_maxsize)
        # Proxy-Authorization is the proxy's (in ``proxy``): the client never sends it to the origin.
        headers = [(name, value) for name, values in request.headers.items() for value in values]
        request.meta.pop(meta.CAPTURE, None)  # a retry or redirect must not carry its predecessor's
        try:
            exchange = await self.client.fetch(
                request.method, request.url, headers, request.body, timeout=timeout, maxsize=maxsize, proxy=proxy
            )
        except wire.WireError as exc:
            if exc.exchange is not None:
                if not exc.exchange.status:
                    exc.exchange.framing_error = str(exc)
                await self._archive(exc.exchange, request)
            if isinstance(exc, wire.DataLoss) and not request.meta.get(
                "download_fail_on_dataloss", self.fail_on_dataloss
            ):
                return self._response(exc.exchange, request, flags=["dataloss"])
            raise self._scrapy_error(exc) from exc
        await self._archive(exchange, request)
        return self._response(exchange, request)

    async def _archive(self, exchange: wire.RawExchange, request: Request) -> None:
        # A page that could not be archived must not go on as if it had been.
        try:
            capture = await self.archive.capture(exchange)
        except Exception as exc:
            raise DownloadFailedError(f"could not archive {request.url}: {exc!r}") from exc
        if capture is not None:
            request.meta[meta.CAPTURE] = capture.as_meta()

    @staticmethod
    def _scrapy_error(exc: wire.WireError) -> Exception:
        for wire_type, scrapy_type in _ERRORS:
            if isinstance(exc, wire_type):
                return scrapy_type(str(exc))
        return DownloadFailedError(str(exc))

    @staticmethod
    def _response(exchange: wire.RawExchange, request: Request, flags=None) -> Response:
        # As Twisted does: the body is de-chunked, so the transfer coding goes.
        headers = Headers()
        for name, value in exchange.headers:
            if name.lower() != b"transfer-encoding":
                headers.appendlist(name, value)
        ip = None
        if exchange.ip_address:
            try:
                ip = ipaddress.ip_address(exchange.ip_address)
            except ValueError:
                ip = None
        response_class = responsetypes.from_args(headers=headers, url=request.url, body=exchange.body)
        return response_class(url=request.url, status=exchange.status, headers=headers, body=exchange.body,
                              flags=flags, ip_address=ip, protocol="HTTP/1.1")

    async def close(self) -> None:
        await self.client.close()

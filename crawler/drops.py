"""Why a request or a response yielded no article: a response's reasons are DropItem
subclasses, each counted as ``extract/dropped/<reason>`` in the stats (the response
stays in the WARC); a request not sent because it was archived recently is an
IgnoreRequest (``archive/skipped_recent``)."""

from scrapy.exceptions import DropItem, IgnoreRequest


class AlreadyArchived(IgnoreRequest):
    """Archived recently enough (RECRAWL_AFTER): not fetched again in this run."""


class HostNotCrawled(IgnoreRequest):
    """The host's robots.txt could not be fetched at all (it cannot be resolved, refuses
    connections, its proxy fails): RFC 9309 says the host is not crawled. Each of its
    requests fails with this, naming the cause; ``error`` is the cause's exception name
    (``CannotResolveHostError``…), counted as ``crawl/failed/<error>``."""

    def __init__(self, message: str, error: str):
        super().__init__(message)
        self.error = error


class RequisiteLimit(IgnoreRequest):
    """A page's requisites reached ARCHIVE_REQUISITES_MAX_BYTES: the rest is not fetched."""


class NotAnArticle(DropItem):
    reason = "not_article"
    log_level = "INFO"  # how Scrapy logs the drop; subclasses raise it where a user should look

    def __init__(self, message: str):
        super().__init__(message, log_level=self.log_level)

    @property
    def stats_key(self) -> str:
        return f"extract/dropped/{self.reason}"


class HttpErrorStatus(NotAnArticle):
    reason = "http_status"


class NotHtml(NotAnArticle):
    reason = "not_html"


class BinaryBody(NotAnArticle):
    reason = "binary_body"


class NoArticleText(NotAnArticle):
    reason = "no_text"


class Truncated(NotAnArticle):
    """The body did not arrive whole: archived as received, marked, not extracted."""

    reason = "truncated"


class ExtractionTimeout(NotAnArticle):
    """Extraction ran past EXTRACT_TIMEOUT: the page is archived, not extracted."""

    reason = "timeout"
    log_level = "WARNING"


class TooLarge(NotAnArticle):
    reason = "too_large"


class TextTooShort(NotAnArticle):
    reason = "too_short"


class ExtractionFailed(NotAnArticle):
    reason = "extraction_error"
    log_level = "ERROR"


class Wall(NotAnArticle):
    """Something stands between the crawler and the article: archived, no article row, and the
    capture does not count as archived (fetched again next run). WARNING with the URL."""

    reason = "wall"
    log_level = "WARNING"


class Challenge(Wall):
    """A bot challenge or a bot manager's interstitial (Cloudflare "Just a moment…", 403/503 pages)."""

    reason = "challenge"


class ConsentWall(Wall):
    """A page that is only a cookie-consent form."""

    reason = "consent"


class Paywall(Wall):
    """A paywall stub: much shorter than the page's own metadata says the article is."""

    reason = "paywall"


class Unchanged(NotAnArticle):
    """Already archived as it is now: 304, the same payload or the same text."""

    reason = "unchanged"

    @property
    def stats_key(self) -> str:
        return "archive/unchanged"


class StoreFailed(NotAnArticle):
    """The article could not be written (disk full, I/O error); the crawl stops."""

    reason = "store_error"
    log_level = "ERROR"


def counted(stats, drop: NotAnArticle) -> NotAnArticle:
    """The drop, counted under its stats key: ``raise counted(stats, SomeDrop(...))``."""
    stats.inc_value(drop.stats_key)
    return drop

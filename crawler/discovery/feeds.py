"""RSS/Atom feeds: sniffing, parsing (with feedparser) and discovery from an HTML page's ``<link>`` tags.

feedparser fetches URLs and reads local files when handed a string, so it is only ever given a byte
stream; documents declaring XML entities are refused before feedparser sees them.
"""

from __future__ import annotations

import calendar
import codecs
import datetime
import io
import logging
import time
from dataclasses import dataclass
from urllib.parse import urljoin

import feedparser
import lxml.html
from lxml import etree

from crawler.discovery.sitemaps import declares_xml_entities, is_http_url

logger = logging.getLogger(__name__)

DEFAULT_MAX_SIZE = 10 * 1024 * 1024
# Where feeds usually are when a page announces none (WordPress, Blogger-style, static sites).
CONVENTIONAL_FEED_PATHS = ("/feed", "/rss", "/rss.xml", "/feed.xml", "/atom.xml", "/index.xml")
SNIFF_SIZE = 4096  # the root element of a feed comes after at most a declaration, comments and a DOCTYPE
FEED_CONTENT_TYPES = frozenset({
    "application/rss+xml", "application/x-rss+xml", "application/atom+xml", "application/rdf+xml",
})
FEED_ROOTS = ("rss", "feed", "rdf:rdf")  # compared in lower case


class FeedError(ValueError):
    """The body is not a feed (or not one that can be parsed safely); the message says why."""


@dataclass(frozen=True)
class FeedEntry:
    link: str  # absolute http(s) URL, resolved against the feed URL
    title: str | None = None
    published: str | None = None  # ISO 8601 in UTC, from published_parsed or updated_parsed
    language: str | None = None  # the entry's language, else the feed's


def looks_like_feed(body: bytes, content_type: str = "") -> bool:
    """RSS, Atom or RDF, by content type or by the root element the body starts with."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type in FEED_CONTENT_TYPES:
        return True
    head = _decode_head(body[:SNIFF_SIZE])
    start = _root_start(head)
    if start is None:
        return False
    name = head[start + 1:start + 1 + max(map(len, FEED_ROOTS)) + 1].lower()
    return any(name.startswith(root) and name[len(root):len(root) + 1] in (" ", "\t", "\r", "\n", ">", "/")
               for root in FEED_ROOTS)


def parse_feed(body: bytes, base_url: str, *, max_size: int = DEFAULT_MAX_SIZE) -> list[FeedEntry]:
    """The entries of an RSS 2.0/1.0 or Atom feed that have an http(s) link, in feed order, without repeats.

    Raises FeedError when the body is not a feed at all.
    """
    if len(body) > max_size:
        raise FeedError(f"feed is {len(body)} bytes, over the limit of {max_size}")
    if declares_xml_entities(body):
        raise FeedError("feed declares XML entities in its DOCTYPE (entity expansion attack?); refused")
    parsed = feedparser.parse(
        io.BytesIO(body),  # a stream: feedparser would fetch a URL string or open a file name
        response_headers={"content-location": base_url},  # the base for relative links
        resolve_relative_uris=False,  # that is for HTML content, which is not used here
    )
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no RSS, Atom or RDF root element"
        raise FeedError(f"not a feed: {reason}")
    feed_language = _clean(parsed.feed.get("language"))
    entries: dict[str, FeedEntry] = {}
    for item in parsed.entries:
        link = _entry_link(item, base_url)
        if link is None or link in entries:
            continue
        entries[link] = FeedEntry(
            link=link,
            title=_clean(item.get("title")),
            published=_iso_utc(item.get("published_parsed") or item.get("updated_parsed")),
            language=_entry_language(item) or feed_language,
        )
    skipped = len(parsed.entries) - len(entries)
    if skipped:
        logger.debug("feed %s: skipped %d entries without a new http(s) link", base_url, skipped)
    return list(entries.values())


def discover_feeds(html: bytes, base_url: str) -> list[str]:
    """Feed URLs announced by ``<link rel="alternate" type="application/rss+xml" href>`` in the page's head."""
    try:
        document = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):  # empty or undecodable document
        return []
    head = document.find("head")
    if head is None:
        return []
    base_element = head.find("base[@href]")  # <base href> changes what relative hrefs are relative to
    base = urljoin(base_url, base_element.get("href").strip()) if base_element is not None else base_url
    found: dict[str, None] = {}  # an ordered set
    for link in head.iter("link"):
        relations = (link.get("rel") or "").lower().split()
        media_type = (link.get("type") or "").split(";", 1)[0].strip().lower()
        href = (link.get("href") or "").strip()
        if "alternate" not in relations or media_type not in FEED_CONTENT_TYPES or not href:
            continue
        url = urljoin(base, href)
        if is_http_url(url):
            found.setdefault(url)
    return list(found)


def _decode_head(head: bytes) -> str:
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                          (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            return head[len(bom):].decode(encoding, "replace")
    return head.decode("utf-8", "replace")


def _root_start(text: str) -> int | None:
    """Index of the first element's '<', skipping whitespace, declarations, PIs, comments and a DOCTYPE."""
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if text.startswith("<?", position):
            end = text.find("?>", position)
            position = -1 if end < 0 else end + 2
        elif text.startswith("<!--", position):
            end = text.find("-->", position)
            position = -1 if end < 0 else end + 3
        elif text[position:position + 9].upper() == "<!DOCTYPE":
            end = text.find(">", position)
            subset = text.find("[", position)
            if 0 <= subset < end:  # an internal subset: the DOCTYPE ends at "]>"
                closing = text.find("]", subset)
                end = -1 if closing < 0 else text.find(">", closing)
            position = -1 if end < 0 else end + 1
        else:
            return position if text.startswith("<", position) else None
        if position < 0:
            return None


def _entry_link(item: feedparser.FeedParserDict, base_url: str) -> str | None:
    candidates = [item.get("link")]
    candidates += [link.get("href") for link in item.get("links", ()) if link.get("rel", "alternate") == "alternate"]
    for candidate in candidates:
        if candidate and candidate.strip():
            url = urljoin(base_url, candidate.strip())
            if is_http_url(url):
                return url
    return None


def _entry_language(item: feedparser.FeedParserDict) -> str | None:
    """dc:language of the entry, else the xml:lang in effect for its title (Atom)."""
    return _clean(item.get("language")) or _clean((item.get("title_detail") or {}).get("language"))


def _iso_utc(moment: time.struct_time | None) -> str | None:
    """feedparser's parsed dates are UTC struct_times."""
    if moment is None:
        return None
    try:
        seconds = calendar.timegm(moment)
        return datetime.datetime.fromtimestamp(seconds, datetime.UTC).isoformat()
    except (OverflowError, ValueError, OSError):
        return None


def _clean(value: object) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None

"""Sitemaps (sitemaps.org protocol with the Google News extension) and robots.txt ``Sitemap:`` lines.

Sitemaps come from untrusted servers, so parsing is defensive: gzip is decompressed with a hard size limit
(a gzip bomb is refused after ``max_size`` bytes, not after filling memory), documents that declare XML
entities are refused outright (billion laughs, ``file://`` external entities), and lxml runs with entity
resolution, DTD loading and network access all off.
"""

from __future__ import annotations

import codecs
import datetime
import email.utils
import gzip
import io
import logging
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree

logger = logging.getLogger(__name__)

DEFAULT_MAX_SIZE = 50 * 1024 * 1024  # the protocol's own limit for one uncompressed sitemap
MAX_ROBOTS_SIZE = 512 * 1024  # Google reads no more than the first 500 KiB of a robots.txt
GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = codecs.BOM_UTF8
WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


# Where sitemaps usually are when robots.txt names none (as ultimate-sitemap-parser and trafilatura look).
CONVENTIONAL_SITEMAP_PATHS = ("/sitemap.xml", "/sitemap_index.xml", "/news-sitemap.xml", "/sitemap-news.xml")


def is_home_page(url: str) -> bool:
    """A site's home page (``https://example.com/``), what users type: its sitemaps are to be found."""
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


def site_root(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class SitemapError(ValueError):
    """The body is not a sitemap that can be used safely; the message says what is wrong."""


@dataclass(frozen=True)
class SitemapEntry:
    """One ``<url>`` of a urlset, or one ``<sitemap>`` (child sitemap) of a sitemap index."""

    loc: str
    lastmod: str | None = None  # as written in the file
    news_title: str | None = None  # Google News: <news:news><news:title>
    news_publication_date: str | None = None  # <news:publication_date>
    news_language: str | None = None  # <news:publication><news:language>
    news_publication_name: str | None = None  # <news:publication><news:name>

    def published_or_modified(self) -> datetime.date | None:
        """The news publication date, else ``lastmod``; None when neither parses."""
        for written in (self.news_publication_date, self.lastmod):
            parsed = parse_date(written) if written else None
            if parsed is not None:
                return parsed
        return None


@dataclass(frozen=True)
class Sitemap:
    kind: str  # "urlset" or "sitemapindex"
    entries: tuple[SitemapEntry, ...]  # for an index: the child sitemaps (loc, lastmod)


def parse_sitemap(body: bytes, *, max_size: int = DEFAULT_MAX_SIZE) -> Sitemap:
    """Parse an XML sitemap or sitemap index, gzipped or not, or a plain-text list of URLs."""
    if len(body) > max_size:
        raise SitemapError(f"sitemap is {len(body)} bytes, over the limit of {max_size}")
    if body.startswith(GZIP_MAGIC):  # by content, not by URL: servers mislabel .gz files both ways
        body = _gunzip(body, max_size)
    if not body.removeprefix(UTF8_BOM).strip():
        raise SitemapError("empty sitemap")
    if _looks_like_xml(body):
        return _parse_xml(body)
    return _parse_text(body)


def entry_is_since(entry: SitemapEntry, since: datetime.date) -> bool:
    """True when the entry is dated ``since`` or later; undated entries are kept (True)."""
    dated = entry.published_or_modified()
    return dated is None or dated >= since


def sitemaps_from_robots(body: bytes) -> list[str]:
    """The absolute http(s) URLs of the ``Sitemap:`` lines of a robots.txt, in order, without repeats."""
    text = body[:MAX_ROBOTS_SIZE].decode("utf-8", "replace").removeprefix("\ufeff")
    found: dict[str, None] = {}  # an ordered set
    for match in _ROBOTS_SITEMAP_LINE.finditer(text):
        url = match.group(1)
        if is_http_url(url):
            found.setdefault(url)
    return list(found)


def parse_date(written: str) -> datetime.date | None:
    """Tolerant W3C/ISO 8601 date: ``2024-01-05``, ``2024-01-05T10:00:00Z``, offsets, ``2024-01``, ``2024``.

    A datetime with an offset gives its UTC date. RFC 822 dates (written by some CMSes) are accepted too.
    """
    written = written.strip()
    moment: datetime.datetime | None = None
    try:
        moment = datetime.datetime.fromisoformat(written)  # 3.11: 'Z', offsets, fractions, ' ' or 'T'
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(written)
        except (TypeError, ValueError, IndexError):
            moment = None
    if moment is not None:
        try:
            return moment.astimezone(datetime.UTC).date() if moment.tzinfo else moment.date()
        except OverflowError:
            return None
    match = _DATE_PREFIX.match(written)  # "YYYY", "YYYY-MM", or a date followed by junk
    if match is None:
        return None
    year, month, day = match.groups()
    try:
        return datetime.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None


def is_http_url(url: str) -> bool:
    """An absolute http(s) URL with a host and no whitespace."""
    try:
        parts = urlsplit(url)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and not _SPACE.search(url)
    except ValueError:  # e.g. a malformed IPv6 host
        return False


def declares_xml_entities(body: bytes) -> bool:
    """Whether the document's prolog declares entities (``<!ENTITY``): such documents are refused.

    Legitimate sitemaps and feeds never need them; attacks (billion laughs, external entities) always do.
    The prolog is read as ASCII-compatible text, as UTF-16/32 when the first bytes say so, and in the
    encoding the XML declaration names, so an encoding trick cannot hide the declaration.
    """
    for text in _readings(body):
        root_start = _FIRST_ELEMENT.search(text)
        prolog = text[: root_start.start()] if root_start else text
        if _ENTITY_DECLARATION.search(prolog):
            return True
    return False


_ROBOTS_SITEMAP_LINE = re.compile(r"^[ \t]*sitemap[ \t]*:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)
_DATE_PREFIX = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?!\d)")
_SPACE = re.compile(r"\s")
_ENTITY_DECLARATION = re.compile(r"<!ENTITY", re.IGNORECASE)
_FIRST_ELEMENT = re.compile(r"<[A-Za-z_]")  # the root start tag ends the prolog, where a DTD has to be
_DECLARED_ENCODING = re.compile(r"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)""")
# '&' not starting an entity or character reference: common in sitemap URLs, and fatal to the XML
_BARE_AMPERSAND = re.compile(rb"&(?!(?:[A-Za-z_][\w.-]*|#[0-9]+|#x[0-9A-Fa-f]+);)")


def _readings(body: bytes) -> Iterator[str]:
    as_ascii = body.decode("latin-1")
    yield as_ascii
    wide = _wide_encoding(body)
    if wide:
        yield body.decode(wide, "replace")
    declared = _DECLARED_ENCODING.match(as_ascii)
    if declared:
        try:
            codecs.lookup(declared.group(1))
            yield body.decode(declared.group(1), "replace")
        except (LookupError, ValueError):
            pass


def _wide_encoding(body: bytes) -> str | None:
    """UTF-16/32 by BOM or by the NUL bytes around a leading '<'."""
    head = body[:4]
    if head.startswith(WIDE_BOMS[:2]):
        return "utf-32"
    if head.startswith(WIDE_BOMS[2:]):
        return "utf-16"
    if b"\x00" not in head:
        return None
    for name, pattern in (("utf-32-le", b"<\0\0\0"), ("utf-32-be", b"\0\0\0<"),
                          ("utf-16-le", b"<\0"), ("utf-16-be", b"\0<")):
        if head.startswith(pattern):
            return name
    return None


def _looks_like_xml(body: bytes) -> bool:
    return body.removeprefix(UTF8_BOM).lstrip().startswith(b"<") or _wide_encoding(body) is not None


def _gunzip(body: bytes, max_size: int) -> bytes:
    """Decompress at most max_size + 1 bytes: enough to tell that a bomb is over the limit."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
            data = stream.read(max_size + 1)
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError; EOFError: truncated
        raise SitemapError(f"broken gzip data: {exc}") from None
    if len(data) > max_size:
        raise SitemapError(f"gzipped sitemap decompresses to more than {max_size} bytes; refused")
    return data


def _parse_xml(body: bytes) -> Sitemap:
    if declares_xml_entities(body):
        raise SitemapError("sitemap declares XML entities in its DOCTYPE (entity expansion attack?); refused")
    if _wide_encoding(body) is None:
        body = _BARE_AMPERSAND.sub(b"&amp;", body)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             recover=True, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.LxmlError as exc:
        raise SitemapError(f"unparseable XML: {exc}") from None
    if root is None:
        raise SitemapError("unparseable XML: no root element")
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and next(iter(dtd.iterentities()), None) is not None:  # belt and braces
        raise SitemapError("sitemap declares XML entities in its DOCTYPE (entity expansion attack?); refused")
    kind = _local_name(root)
    if kind not in ("urlset", "sitemapindex"):
        raise SitemapError(f"root element is <{kind}>, not <urlset> or <sitemapindex>")
    wanted = "url" if kind == "urlset" else "sitemap"
    entries = []
    skipped = 0
    for element in root:
        if _local_name(element) != wanted:
            continue
        entry = _entry(element, with_news=kind == "urlset")
        if entry is None:
            skipped += 1
        else:
            entries.append(entry)
    if skipped:
        logger.debug("sitemap %s: skipped %d entries without an absolute http(s) <loc>", kind, skipped)
    return Sitemap(kind=kind, entries=tuple(entries))


def _entry(element: etree._Element, *, with_news: bool) -> SitemapEntry | None:
    children = _children_by_name(element)
    loc = _text(children.get("loc"))
    if loc is None or not is_http_url(loc):
        return None
    lastmod = _text(children.get("lastmod"))
    news = children.get("news") if with_news else None
    if news is None:
        return SitemapEntry(loc=loc, lastmod=lastmod)
    news_fields = _children_by_name(news)
    publication = _children_by_name(news_fields["publication"]) if "publication" in news_fields else {}
    return SitemapEntry(
        loc=loc,
        lastmod=lastmod,
        news_title=_text(news_fields.get("title")),
        news_publication_date=_text(news_fields.get("publication_date")),
        news_language=_text(publication.get("language")),
        news_publication_name=_text(publication.get("name")),
    )


def _children_by_name(element: etree._Element) -> dict[str, etree._Element]:
    """Child elements by local name (any namespace, or none), first one wins."""
    children: dict[str, etree._Element] = {}
    for child in element:
        name = _local_name(child)
        if name:
            children.setdefault(name, child)
    return children


def _local_name(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _text(element: etree._Element | None) -> str | None:
    if element is None or len(element):  # a value with child nodes (e.g. an entity reference) is not trusted
        return None
    return (element.text or "").strip() or None


def _parse_text(body: bytes) -> Sitemap:
    """The protocol's plain-text form: one URL a line, UTF-8."""
    text = body.decode("utf-8", "replace").removeprefix("\ufeff")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    urls = [line for line in lines if is_http_url(line)]
    if not urls:
        raise SitemapError("neither an XML sitemap nor a plain-text list of http(s) URLs")
    if len(urls) < len(lines):
        logger.debug("text sitemap: skipped %d lines that are not http(s) URLs", len(lines) - len(urls))
    return Sitemap(kind="urlset", entries=tuple(SitemapEntry(loc=url) for url in urls))

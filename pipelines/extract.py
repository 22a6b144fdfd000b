"""Clean article text and metadata from one HTML page, on top of trafilatura.

Pure (no Scrapy): bytes or str in, ExtractedArticle out. The page is parsed once,
by trafilatura.bare_extraction with metadata; its XML body is then rendered to
plain text block by block so that junk rules (pipelines.junk) can see headings,
links and paragraphs separately.
"""

from __future__ import annotations

import codecs
import dataclasses
import logging
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import trafilatura
from lxml.etree import _Element
from trafilatura.utils import LANGID_FLAG, language_classifier

from pipelines import junk

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExtractedArticle:
    text: str  # body blocks separated by one blank line; no title line
    title: str | None
    author: str | None  # several authors joined with "; "
    published: str | None  # ISO 8601: YYYY-MM-DD, or a full datetime when the page states one
    language: str | None  # primary language subtag, e.g. "en"
    canonical_url: str | None  # <link rel=canonical> / og:url, else the url passed in
    site_name: str | None
    description: str | None

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class SiteRules:
    """Per-site knowledge: XPaths pruned before extraction, and regexes that must
    re.fullmatch a whole stripped line (use (?i) for case-insensitive)."""

    prune_xpaths: tuple[str, ...] = ()
    junk_patterns: tuple[str, ...] = ()


# --- is it HTML at all? ---------------------------------------------------------

_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF87a", b"GIF89a", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b",
                 b"RIFF", b"\x00\x00\x01\x00", b"BM", b"OggS", b"ID3", b"fLaC", b"\x7fELF", b"7z\xbc\xaf")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_MARKUP = re.compile(rb"<\s*(?:!doctype|html|head|body|meta|title|div|p|a|article|span|script|table)\b", re.I)
_SNIFF_BYTES = 4096
_MAX_CONTROL_RATIO = 0.05


def looks_like_html(body: bytes) -> bool:
    """False for bodies that are clearly not HTML even if served as text/html."""
    head = body[:_SNIFF_BYTES]
    if head.startswith(_UTF16_BOMS):
        head = head.decode("utf-16", errors="replace").encode("utf-8")
    stripped = head.lstrip()
    if not stripped or stripped.startswith(_BINARY_MAGIC):
        return False
    if b"\x00" in head:
        return False  # NUL never occurs in text HTML (UTF-16 without BOM is not worth the risk)
    control = sum(1 for byte in head if byte < 32 and byte not in b"\t\n\r\f")
    if control > _MAX_CONTROL_RATIO * len(head):
        return False
    return _MARKUP.search(head) is not None


# --- charset and head-of-page metadata --------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_WHATWG_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252",
                   "ascii": "cp1252", "x-cp1251": "cp1251"}


def decode_html(html: bytes) -> bytes | str:
    """Honour the page's own charset declaration.

    trafilatura decodes bytes as UTF-8 or else guesses with charset_normalizer and
    ignores <meta charset>, so a declared legacy charset is applied here. Valid UTF-8
    stays bytes (a page mislabelled as latin-1 is far likelier than cp1251 text that
    happens to be valid UTF-8); undeclared legacy bytes are left to trafilatura.
    """
    if html.startswith(codecs.BOM_UTF8):
        return html[len(codecs.BOM_UTF8):]
    if html.startswith(_UTF16_BOMS):
        return html.decode("utf-16", errors="replace")
    try:
        html.decode("utf-8")
        return html
    except UnicodeDecodeError:
        pass
    match = _META_CHARSET.search(html[:_SNIFF_BYTES])
    if not match:
        return html
    label = match.group(1).decode("ascii").lower()
    try:
        encoding = codecs.lookup(_WHATWG_ALIASES.get(label, label)).name
    except LookupError:
        logger.debug("unknown declared charset %r", label)
        return html
    return html.decode(encoding, errors="replace")


_HTML_LANG = re.compile(r"""<html\b[^>]*?\blang\s*=\s*["']?\s*([A-Za-z]{2,3})(?![A-Za-z])""", re.I)
_META_LANG = re.compile(
    r"""<meta\b(?=[^>]*\b(?:http-equiv|name|property)\s*=\s*["']?(?:content-language|language|og:locale|dc\.language)\b)"""
    r"""[^>]*\bcontent\s*=\s*["']?\s*([A-Za-z]{2,3})(?![A-Za-z])""",
    re.I,
)
_PUBLISHED = re.compile(
    r""""datePublished"\s*:\s*"([^"]{10,40})"|<meta\b(?=[^>]*\bproperty\s*=\s*["']article:published_time)"""
    r"""[^>]*\bcontent\s*=\s*["']([^"']{10,40})""",
    re.I,
)


def _page_start(page: bytes | str) -> str:
    # Enough of the page for <html lang> and <head> metadata; latin-1 never fails and
    # keeps the ASCII markup intact whatever the real charset is.
    return page[:32768] if isinstance(page, str) else page[:32768].decode("latin-1")


def declared_language(page_start: str) -> str | None:
    for pattern in (_HTML_LANG, _META_LANG):
        match = pattern.search(page_start)
        if match:
            return match.group(1).lower()
    return None


def precise_published(page_start: str, date: str | None) -> str | None:
    """The page's full publication datetime when it agrees with trafilatura's date."""
    if not date:
        return None
    for match in _PUBLISHED.finditer(page_start):
        raw = (match.group(1) or match.group(2)).strip().replace("Z", "+00:00")
        try:
            stamp = datetime.fromisoformat(raw)
        except ValueError:
            continue
        if stamp.date().isoformat() == date and "T" in raw:
            return stamp.isoformat()
    return date


# --- body rendering ---------------------------------------------------------------

_BLOCK_CONTAINERS = {"body", "doc", "div", "list", "quote", "table", "item", "cell", "main", "article"}
_BLOCK_TAGS = {"p", "head", "list", "quote", "table", "row", "code", "item", "div"}
_SKIPPED = {"graphic"}
_SPACES = re.compile(r"[^\S\n]+")


@dataclass
class _Block:
    text: str
    linked_chars: int


def _inline_text(element: _Element, parts: list[str]) -> None:
    if element.tag == "lb":
        parts.append("\n")
    elif element.tag not in _SKIPPED and element.text:
        parts.append(element.text)
    for child in element:
        _inline_text(child, parts)
        if child.tail:
            parts.append(child.tail)


def _clean(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _leaf_block(element: _Element) -> _Block:
    parts: list[str] = []
    if element.tag == "row":
        cells = [_clean("".join(_collect(cell))) for cell in element]
        return _Block(" | ".join(cell for cell in cells if cell), 0)
    _inline_text(element, parts)
    linked = sum(len(_clean("".join(_collect(ref)))) for ref in element.iter("ref"))
    return _Block(_clean("".join(parts)), linked)


def _collect(element: _Element) -> list[str]:
    parts: list[str] = []
    _inline_text(element, parts)
    return parts


def _render_blocks(element: _Element, blocks: list[_Block]) -> None:
    """Flatten the extracted XML into text blocks: one per paragraph, heading, list
    item, quote paragraph or table row."""
    has_block_children = any(child.tag in _BLOCK_TAGS for child in element)
    if element.tag in _BLOCK_CONTAINERS and has_block_children:
        if element.text and element.text.strip():
            blocks.append(_Block(_clean(element.text), 0))
        for child in element:
            _render_blocks(child, blocks)
            if child.tail and child.tail.strip():
                blocks.append(_Block(_clean(child.tail), 0))
    elif element.tag not in _SKIPPED:
        block = _leaf_block(element)
        if block.text:
            blocks.append(block)


# --- junk removal -------------------------------------------------------------------


def _keep_line(line: str, site_patterns: Iterable[re.Pattern[str]], furniture: Collection[str]) -> bool:
    rule = junk.junk_rule_for(line)
    if rule is None and any(pattern.fullmatch(line) for pattern in site_patterns):
        rule = "site_pattern"
    if rule is None and furniture and junk.normalise_line(line) in furniture:
        rule = "repeated_line"
    if rule is not None:
        logger.debug("dropped %s: %.60r", rule, line)
    return rule is None


def _clean_blocks(
    blocks: list[_Block], title: str | None, site_patterns: list[re.Pattern[str]], furniture: Collection[str]
) -> list[str]:
    paragraphs: list[str] = []
    for block in blocks:
        if junk.is_link_list_entry(block.text, block.linked_chars):
            logger.debug("dropped link_list_entry: %.60r", block.text)
            continue
        lines = [line for line in block.text.split("\n") if _keep_line(line, site_patterns, furniture)]
        if lines:
            paragraphs.append("\n".join(lines))
    kept = junk.drop_repeated_paragraphs(paragraphs, seen_before=[title] if title else ())
    return [paragraphs[index] for index in kept]


# --- entry point --------------------------------------------------------------------


def extract_article(
    html: bytes | str,
    url: str | None = None,
    *,
    site_rules: SiteRules | None = None,
    repeated_lines: Collection[str] | None = None,
) -> ExtractedArticle | None:
    """None when the page holds no article text (after junk removal nothing is left)."""
    page = decode_html(html) if isinstance(html, bytes) else html
    rules = site_rules or SiteRules()
    try:
        document = trafilatura.bare_extraction(
            page,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_links=True,  # link density tells teaser lists from prose; links are not rendered
            include_tables=True,
            include_images=False,
            output_format="xml",  # keep the XML body only; skips trafilatura's own text rendering
            prune_xpath=list(rules.prune_xpaths) or None,
        )
    except Exception:  # trafilatura/lxml raise a wide variety on hostile input
        logger.warning("trafilatura failed on %s", url, exc_info=True)
        return None
    if document is None or document.body is None:
        return None

    blocks: list[_Block] = []
    _render_blocks(document.body, blocks)
    furniture = frozenset(junk.normalise_line(line) for line in repeated_lines or ())
    site_patterns = [re.compile(pattern) for pattern in rules.junk_patterns]
    paragraphs = _clean_blocks(blocks, document.title, site_patterns, furniture)
    if not paragraphs:
        return None
    text = "\n\n".join(paragraphs)

    start = _page_start(page)
    language = declared_language(start)
    if language is None and LANGID_FLAG:
        language = language_classifier(text, "")
    return ExtractedArticle(
        text=text,
        title=document.title,
        author=document.author,
        published=precise_published(start, document.date),
        language=language,
        canonical_url=document.url,
        site_name=document.sitename,
        description=document.description,
    )

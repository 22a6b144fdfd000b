"""Clean article text and metadata from one HTML page, on top of trafilatura.

Pure (no Scrapy): bytes or str in, ExtractedArticle out. The page is parsed by
trafilatura.bare_extraction with metadata in precision mode (a second, balanced-mode
pass only when that finds little text); its XML body is then rendered to plain text
block by block so that junk rules (pipelines.junk) can see headings and paragraphs
separately.

Text format (ExtractedArticle.text): the article body only, no title line; one block
per paragraph, subheading, list item, quote paragraph or table row ("cell | cell"),
blocks separated by exactly one blank line, a <br> inside a paragraph kept as a single
newline, runs of spaces collapsed, no leading or trailing whitespace on any line.
The stored .txt file (pipelines.store) puts the title on top of this.
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

from . import junk

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
                 b"RIFF", b"\x00\x00\x01\x00", b"OggS", b"ID3", b"fLaC", b"\x7fELF", b"7z\xbc\xaf")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_MARKUP = re.compile(rb"<\s*(?:!doctype|html|head|body|meta|title|div|p|a|article|span|script|table)\b", re.I)
_SNIFF_BYTES = 4096
_MAX_CONTROL_RATIO = 0.05
_CONTROL_BYTES = bytes(byte for byte in range(32) if byte not in b"\t\n\r\f")


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
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if control > _MAX_CONTROL_RATIO * len(head):
        return False
    return _MARKUP.search(head) is not None


# --- head-of-page metadata ------------------------------------------------------------

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


_META_WINDOW = 262_144  # JSON-LD may sit after a long inline <head> or deep in <body>


def _page_start(page: bytes | str) -> str:
    # Markup for regex look-ups only: latin-1 never fails and keeps ASCII markup
    # intact whatever the real (ASCII-compatible) charset is.
    if isinstance(page, str):
        return page[:_META_WINDOW]
    if page.startswith(_UTF16_BOMS):
        return page[: 2 * _META_WINDOW].decode("utf-16", errors="replace")
    return page[:_META_WINDOW].decode("latin-1")


def detect_language(text: str) -> str | None:
    """The text's language when the page declares none: py3langid if installed
    (trafilatura's own choice), else langdetect (pure Python, ~5 ms; seeded, so
    the same text always gives the same answer)."""
    if LANGID_FLAG:
        return language_classifier(text, "")
    try:
        from langdetect import DetectorFactory, LangDetectException, detect
    except ImportError:
        return None
    DetectorFactory.seed = 0
    try:
        return detect(text[:3000]).split("-")[0]
    except LangDetectException:  # no letters to go by
        return None


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

# Elements of trafilatura's XML body that start a new text block; everything else
# (hi, ref, del, lb, sub, sup ...) is inline and joins the surrounding text.
_BLOCK_TAGS = frozenset({"p", "head", "list", "item", "quote", "table", "row", "code", "div"})
_SKIPPED = frozenset({"graphic"})
_SPACES = re.compile(r"[^\S\n]+")


@dataclass
class _Block:
    text: str
    linked_chars: int  # characters inside <ref> links: teaser lists are almost all link
    is_heading: bool


def _clean(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _inline_text(element: _Element) -> str:
    """Text of an element and its descendants, <lb/> as a newline; without its tail."""
    own = "\n" if element.tag == "lb" else "" if element.tag in _SKIPPED else element.text or ""
    return own + "".join(_inline_text(child) + (child.tail or "") for child in element)


def _linked_chars(element: _Element) -> int:
    return sum(len(_clean(_inline_text(ref))) for ref in element.iter("ref"))


class _BlockWriter:
    """Collects inline runs into blocks while walking the XML body."""

    def __init__(self) -> None:
        self.blocks: list[_Block] = []
        self._parts: list[str] = []
        self._linked = 0
        self._heading = False

    def add_inline(self, text: str | None, linked: int = 0) -> None:
        if text:
            self._parts.append(text)
            self._linked += linked

    def flush(self) -> None:
        text = _clean("".join(self._parts))
        if text:
            self.blocks.append(_Block(text, self._linked, self._heading))
        self._parts, self._linked, self._heading = [], 0, False

    def walk(self, element: _Element) -> None:
        """One block per paragraph, heading, list item, quote paragraph or table row;
        inline children and text between nested blocks stay in their own block."""
        if element.tag in _SKIPPED:
            return
        if element.tag == "row":
            cells = [_clean(_inline_text(cell)) for cell in element]
            self.blocks.append(_Block(" | ".join(cell for cell in cells if cell), 0, False))
            return
        self._heading = element.tag == "head"
        self.add_inline(element.text)
        for child in element:
            if child.tag in _BLOCK_TAGS:
                self.flush()
                self.walk(child)
                self.flush()
            elif child.tag not in _SKIPPED:
                self.add_inline(_inline_text(child), _linked_chars(child))
            self.add_inline(child.tail)


def render_blocks(body: _Element) -> list[_Block]:
    writer = _BlockWriter()
    writer.walk(body)
    writer.flush()
    return writer.blocks


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


_TITLE_ZONE_BLOCKS = 3  # the headline repeated in the body sits among its first blocks


def _clean_blocks(
    blocks: list[_Block], title: str | None, site_patterns: list[re.Pattern[str]], furniture: Collection[str]
) -> list[_Block]:
    cleaned: list[_Block] = []
    for block in blocks:
        # Fires only on bodies that keep <ref> links; _bare_extraction drops them (include_links=False).
        if junk.is_link_list_entry(block.text, block.linked_chars):
            logger.debug("dropped link_list_entry: %.60r", block.text)
            continue
        lines = [line for line in block.text.split("\n") if _keep_line(line, site_patterns, furniture)]
        if lines and len(cleaned) < _TITLE_ZONE_BLOCKS and junk.is_title_repeat("\n".join(lines), title):
            logger.debug("dropped title_repeat: %.60r", block.text)
            continue
        if lines:
            cleaned.append(dataclasses.replace(block, text="\n".join(lines)))
    kept = junk.drop_repeated_paragraphs([block.text for block in cleaned], seen_before=[title] if title else ())
    return [cleaned[index] for index in kept]


# --- entry point --------------------------------------------------------------------

# A precision-mode body shorter than this is checked against trafilatura's balanced mode,
# which replaces it when it finds at least RECALL_FALLBACK_RATIO times as much text.
RECALL_FALLBACK_CHARS = 1500
RECALL_FALLBACK_RATIO = 2.0
# ... counting only prose (lines of PROSE_MIN_WORDS words or more), so that a section
# index or a menu, which precision mode rightly rejects, never comes back this way.
RECALL_FALLBACK_MIN_PROSE = 400
PROSE_MIN_WORDS = 12


def _bare_extraction(html: bytes | str, url: str | None, rules: SiteRules, *, favor_precision: bool,
                     with_metadata: bool) -> Any:
    # Bytes go to trafilatura as they are: it decodes UTF-8 directly and otherwise lets
    # charset_normalizer decide, which tries the page's own <meta charset> first.
    return trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=with_metadata,
        include_comments=False,
        favor_precision=favor_precision,
        # Without trafilatura's readability/jusText comparison: a third less time per page,
        # same F1 on the extraction benchmark (0.972 vs 0.973, benchmarks/extraction.py).
        fast=True,
        # trafilatura 2.3 loses the text before a link in some paragraphs when links are
        # kept (measured on the benchmark); links are not rendered anyway.
        include_links=False,
        include_tables=True,
        include_images=False,
        output_format="xml",  # keep the XML body only; skips trafilatura's own text rendering
        prune_xpath=list(rules.prune_xpaths) or None,
    )


def _body_chars(body: _Element) -> int:
    return sum(len(text.strip()) for text in body.itertext())


def _prose_chars(body: _Element) -> int:
    lines = (line for block in render_blocks(body) for line in block.text.split("\n"))
    return sum(len(line) for line in lines if len(line.split()) >= PROSE_MIN_WORDS)



def extract_article(
    html: bytes | str,
    url: str | None = None,
    *,
    site_rules: SiteRules | None = None,
    repeated_lines: Collection[str] | None = None,
) -> ExtractedArticle | None:
    """None when the page holds no article text (after junk removal nothing is left)."""
    rules = site_rules or SiteRules()
    document = _bare_extraction(html, url, rules, favor_precision=True, with_metadata=True)
    body = document.body if document is not None else None
    if body is None or _body_chars(body) < RECALL_FALLBACK_CHARS:
        # Precision mode sometimes settles on a small wrong block (a reprint notice, a
        # teaser box) and misses the article; trafilatura's balanced mode, run only for
        # these short results, gets a second say when it finds much more text.
        balanced = _bare_extraction(html, url, rules, favor_precision=False, with_metadata=document is None)
        if balanced is not None and balanced.body is not None:
            found = 0 if body is None else _body_chars(body)
            if _prose_chars(balanced.body) >= max(RECALL_FALLBACK_RATIO * found, RECALL_FALLBACK_MIN_PROSE):
                logger.debug("precision mode found %d chars; balanced mode kept", found)
                document = document if document is not None else balanced
                body = balanced.body
    if document is None or body is None:
        return None

    furniture = frozenset(junk.normalise_line(line) for line in repeated_lines or ())
    site_patterns = [re.compile(pattern) for pattern in rules.junk_patterns]
    blocks = _clean_blocks(render_blocks(body), document.title, site_patterns, furniture)
    if all(block.is_heading for block in blocks):
        return None  # nothing but headings (or nothing at all): a section or error page
    text = "\n\n".join(block.text for block in blocks)

    start = _page_start(html)
    language = declared_language(start) or detect_language(text)
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

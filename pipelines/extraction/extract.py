"""Clean article text and metadata from one HTML page, on top of trafilatura.

Pure (no Scrapy): bytes or str in, ExtractedArticle out. The page is parsed once and
trafilatura's precision and balanced passes run on it (pipelines.passes); the body is
decided per page from what they found (choose_body: merged when they agree, settled by
trafilatura's readability and jusText rescues when they do not, replaced when it was cut out
of its <article>), rendered to plain text block by block so that junk rules (pipelines.junk)
can see headings and paragraphs separately, and cleaned. Metadata comes from the page's own
structured data first (pipelines.metadata).

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

from lxml.etree import _Element
from trafilatura.utils import LANGID_FLAG, language_classifier

from . import junk, metadata, passes, repeats

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExtractedArticle:
    text: str  # body blocks separated by one blank line; no title line
    title: str | None
    author: str | None  # several authors joined with "; " (the catalog's column)
    authors: tuple[str, ...]  # people's names, in page order
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
    linked_chars: int  # characters inside <ref> links (or found as a link's text on the page)
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


def render_blocks(body: _Element | None) -> list[_Block]:
    if body is None:
        return []
    writer = _BlockWriter()
    writer.walk(body)
    writer.flush()
    return writer.blocks


# --- how much article text a pass found ----------------------------------------------

# A line is prose when it has PROSE_MIN_WORDS words (junk.text_units: words, or for
# Chinese/Japanese text without spaces, characters / 2); menus, section indexes and
# teaser lists have none, so a pass that finds only those found no article.
PROSE_MIN_WORDS = 12


def _is_prose(line: str) -> bool:
    return junk.text_units(line) >= PROSE_MIN_WORDS


def _prose_chars(blocks: Iterable[_Block]) -> int:
    return sum(len(line) for block in blocks for line in block.text.split("\n") if _is_prose(line))


def _chars(blocks: Iterable[_Block]) -> int:
    return sum(len(block.text) for block in blocks)


def _keys(blocks: Iterable[_Block]) -> list[str]:
    return [junk.normalise_line(block.text) for block in blocks]


def _shared_share(first: list[_Block], second: list[_Block]) -> float:
    """How much of the larger body is blocks the other also has (characters, 0..1)."""
    if not first or not second:
        return 0.0
    common = set(_keys(first)) & set(_keys(second))
    shared = sum(len(block.text) for block in first if junk.normalise_line(block.text) in common)
    return shared / max(_chars(first), _chars(second))


def _shingles(blocks: Iterable[_Block]) -> set[tuple[str, ...]]:
    words = junk.normalise_line(" ".join(block.text for block in blocks)).split()
    if len(words) < 4:
        return {tuple(words)} if words else set()
    return set(zip(words, words[1:], words[2:], words[3:], strict=False))


def _similarity(first: set[tuple[str, ...]], second: set[tuple[str, ...]]) -> float:
    return 2 * len(first & second) / (len(first) + len(second)) if first and second else 0.0


# --- choosing the body: per page, by what each pass found ----------------------------

# trafilatura's passes "fail" on a page when neither finds this much prose, or when they
# disagree (they share less than RESCUE_MIN_SHARED of the larger body): one of them settled on
# a teaser box, a reprint notice or a menu. Then its readability and jusText rescues are
# heard too, and the body that agrees best with the others wins.
RESCUE_MIN_PROSE = 400
RESCUE_MIN_SHARED = 0.5


def _trailing_prose(blocks: list[_Block], index: int) -> bool:
    """A block after the article's last shared block that belongs to it: a prose paragraph,
    or a heading or short line that the next prose paragraph follows ('Who runs the OBR?')."""
    if not blocks[index].is_heading and _is_prose(blocks[index].text):
        return True
    following = blocks[index + 1] if index + 1 < len(blocks) else None
    return following is not None and not following.is_heading and _is_prose(following.text)


def _merge(precision: list[_Block], balanced: list[_Block]) -> list[_Block]:
    """The balanced body with the blocks only the precision pass found put in place, minus
    what the balanced pass alone adds after the last block both found, unless it is prose or
    introduces prose (teasers, 'more on this' headings and link lists follow articles; a last
    section that the precision pass cut is prose under its heading)."""
    if not precision:
        return balanced
    if not balanced:
        return precision
    precision_keys, balanced_keys = _keys(precision), _keys(balanced)
    in_precision, in_balanced = set(precision_keys), set(balanced_keys)
    shared = [index for index, key in enumerate(balanced_keys) if key in in_precision]
    if not shared:
        return balanced
    last_shared = shared[-1]
    merged: list[_Block] = []
    cursor = 0  # next precision block to place
    for index, (block, key) in enumerate(zip(balanced, balanced_keys, strict=True)):
        if key in in_precision:
            while cursor < len(precision) and precision_keys[cursor] != key:
                if precision_keys[cursor] not in in_balanced:
                    merged.append(precision[cursor])
                cursor += 1
            cursor += 1
            merged.append(block)
        elif index < last_shared or _trailing_prose(balanced, index):
            merged.append(block)
    merged.extend(block for block, key in zip(precision[cursor:], precision_keys[cursor:], strict=True)
                  if key not in in_balanced)
    return merged


def _medoid(candidates: dict[str, list[_Block]]) -> str:
    """The candidate body most similar to all the others (token 4-gram overlap)."""
    shingles = {name: _shingles(blocks) for name, blocks in candidates.items()}
    return max(candidates, key=lambda name: sum(_similarity(shingles[name], other)
                                                for other_name, other in shingles.items() if other_name != name))


# A body whose last paragraph sits in an <article> holding TRUNCATED_RATIO times more paragraph
# text was cut short (an ad or a widget between paragraphs ended trafilatura's frame, or the
# rest of the story sits in a later container): the rescue that agrees best with the article's
# paragraphs is taken.
TRUNCATED_RATIO = 2.0


def _container(paragraph: Any) -> Any:
    """The article element around a paragraph: its <article> (or itemprop=articleBody)
    ancestor, which the page itself declares as the article, else its parent."""
    for ancestor in paragraph.iterancestors():
        if ancestor.tag == "article" or ancestor.get("itemprop") == "articleBody":
            return ancestor
    return paragraph.getparent()


_PROBE_CHARS = 24


def _container_paragraphs(tree: Any, blocks: list[_Block]) -> list[str]:
    """Texts of the <p> elements in the article element holding the body's last paragraph
    (looked for from the end of the page, by a cheap substring probe before comparing)."""
    last = next((block.text for block in reversed(blocks) if _is_prose(block.text)), None)
    if tree is None or not last:
        return []
    wanted = junk.normalise_line(last)
    probe = last.split("\n")[0].split()[-1][-_PROBE_CHARS:]  # the paragraph's last word
    for paragraph in reversed(list(tree.iter("p"))):
        text = paragraph.text_content()
        if probe in text and junk.normalise_line(text) == wanted:
            container = _container(paragraph)
            return [p.text_content() for p in container.iter("p")] if container is not None else []
    return []


def _cut_short(found: passes.PagePasses, body: list[_Block]) -> list[_Block] | None:
    """The rescue body when the passes' body was cut out of a longer article."""
    prose = _prose_chars(body)
    container = _container_paragraphs(found.tree, body)
    container_prose = sum(len(text) for text in container if _is_prose(text))
    if container_prose < TRUNCATED_RATIO * prose:
        return None
    wanted = _shingles([_Block(text, 0, False) for text in container])
    rescues = [render_blocks(found.readability()), render_blocks(found.justext())]
    best = max(rescues, key=lambda blocks: _similarity(_shingles(blocks), wanted))
    if _prose_chars(best) < TRUNCATED_RATIO * prose:
        return None
    logger.debug("body of %d prose chars cut from a container of %d: rescue taken", prose, container_prose)
    return best


def choose_body(found: passes.PagePasses) -> list[_Block]:
    """The page's body blocks, decided per page from what trafilatura's passes found."""
    precision, balanced = render_blocks(found.precision), render_blocks(found.balanced)
    prose = max(_prose_chars(precision), _prose_chars(balanced))
    shared = _shared_share(precision, balanced)
    if prose >= RESCUE_MIN_PROSE and shared >= RESCUE_MIN_SHARED:
        merged = _merge(precision, balanced)
        return _cut_short(found, merged) or merged
    candidates = {"precision": precision, "balanced": balanced, "readability": render_blocks(found.readability()),
                  "justext": render_blocks(found.justext())}
    if _keys(precision) == _keys(balanced):
        del candidates["precision"]  # one opinion, not two votes
    candidates = {name: blocks for name, blocks in candidates.items() if _prose_chars(blocks) > 0}
    if not candidates:
        return precision or balanced  # no prose anywhere: the stricter pass (a menu never wins)
    chosen = _medoid(candidates) if len(candidates) > 2 else max(candidates, key=lambda n: _prose_chars(candidates[n]))
    logger.debug("passes found %d prose chars, sharing %.2f: %s body chosen", prose, shared, chosen)
    if chosen in ("precision", "balanced") and precision and balanced:
        return _merge(precision, balanced)
    return candidates[chosen]


# --- subheadings trafilatura's recovery pass leaves out --------------------------------

_HEADING_TAGS = ("h2", "h3", "h4")
SUBHEADING_MAX_WORDS = 20


def restore_subheadings(tree: Any, blocks: list[_Block]) -> list[_Block]:
    """The page's <h2>-<h4> put back between the body paragraphs they separate, when the body
    has no heading at all: when trafilatura finds no article frame it collects the page's
    paragraphs one by one and leaves every heading out; jusText marks none. Blocks that are a
    heading's text on the page become headings again. A heading is restored only between
    two consecutive body paragraphs that are its siblings (a "Related links" heading in a box
    after the story is not)."""
    if tree is None or any(block.is_heading for block in blocks) or next(tree.iter(*_HEADING_TAGS), None) is None:
        return blocks
    # jusText's paragraphs are all <p>: those that are a heading on the page are headings.
    headings = {junk.normalise_line(element.text_content()) for element in tree.iter(*_HEADING_TAGS)}
    blocks = [dataclasses.replace(block, is_heading=True) if junk.normalise_line(block.text) in headings else block
              for block in blocks]
    if any(block.is_heading for block in blocks):
        return blocks
    positions = {junk.normalise_line(block.text): index for index, block in enumerate(blocks) if _is_prose(block.text)}
    before: dict[int, str] = {}
    previous: tuple[Any, int | None] = (None, None)  # the last <p> seen and its body index
    heading: Any = None
    for element in tree.iter("p", *_HEADING_TAGS):
        if element.tag != "p":
            heading = element
            continue
        index = positions.get(junk.normalise_line(element.text_content()))
        last_p, last_index = previous
        if heading is not None and index is not None and last_index == index - 1 and (
                heading.getparent() is element.getparent() is last_p.getparent()):
            text = _clean(heading.text_content())
            if text and junk.word_count(text) <= SUBHEADING_MAX_WORDS:
                before.setdefault(index, text)
        previous, heading = (element, index), None
    if not before:
        return blocks
    logger.debug("%d subheadings restored", len(before))
    restored: list[_Block] = []
    for index, block in enumerate(blocks):
        if index in before:
            restored.append(_Block(before[index], 0, True))
        restored.append(block)
    return restored


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
_LINK_MAX_WORDS = 40  # longer blocks are prose even when they are all link
_LINK_MIN_WORDS = 3  # a teaser names a story; "Route 6" or "World" may be a link in the menu too
_LABEL = re.compile(r"^[^:|»>]{1,40}[:|»>]\s*")  # "READ MORE: ", "Lees ook » "


def link_texts(tree: Any) -> frozenset[str]:
    """Normalised texts of the page's links to other pages (not in-page '#' anchors) of
    _LINK_MIN_WORDS.._LINK_MAX_WORDS words: trafilatura's body keeps no links, so this is how
    a teaser line ('Ruble slides past 95 against the dollar') is told from prose."""
    if tree is None:
        return frozenset()
    texts = set()
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:")):
            continue
        raw = anchor.text_content()
        if raw.count(" ") < _LINK_MIN_WORDS - 1:
            continue  # most links are one or two words: no need to normalise them
        text = junk.normalise_line(raw)
        if text and _LINK_MIN_WORDS <= text.count(" ") + 1 <= _LINK_MAX_WORDS:
            texts.add(text)
    return frozenset(texts)


def _linked_on_page(block: _Block, links: Collection[str]) -> int:
    """Characters of the block that are the text of one link on the page: the whole block,
    or all of it after a short label ('Read more: <link>'). Lookups by exact text: the cost is
    the block's length, whatever the page size."""
    if block.linked_chars or not links or junk.word_count(block.text) > _LINK_MAX_WORDS:
        return block.linked_chars
    text = block.text.strip()
    if junk.normalise_line(text) in links:
        return len(text)
    label = _LABEL.match(text)
    if label and junk.normalise_line(text[label.end():]) in links:
        return len(text) - label.end()
    return 0


def _clean_blocks(
    blocks: list[_Block], title: str | None, site_patterns: list[re.Pattern[str]], furniture: Collection[str],
    links: Collection[str] = frozenset(), headlines: Collection[str] = (), authors: Collection[str] = (),
) -> list[_Block]:
    """Junk lines and blocks out. headlines: the page's other headline versions (its <h1>,
    og:title…), dropped like the title when they open the body; authors: the names the page
    declares, for its byline and the note about the author left in the text."""
    titles = [t for t in dict.fromkeys([title, *headlines]) if t]
    cleaned: list[_Block] = []
    for block in blocks:
        # Subheadings that link to themselves (live blogs, tables of contents) stay.
        if not block.is_heading and junk.is_link_list_entry(block.text, _linked_on_page(block, links)):
            logger.debug("dropped link_list_entry: %.60r", block.text)
            continue
        lines = [line for line in block.text.split("\n") if _keep_line(line, site_patterns, furniture)
                 and not (authors and junk.is_byline(line, authors))]
        if authors and lines and junk.is_author_bio("\n".join(lines), authors):
            logger.debug("dropped author_bio: %.60r", block.text)
            continue
        # Above the first paragraph the headline may come with a kicker; below, a subheading
        # that quotes the headline is a subheading.
        above_text = not any(_is_prose(kept.text) for kept in cleaned)
        if lines and len(cleaned) < _TITLE_ZONE_BLOCKS and any(
                junk.is_title_repeat("\n".join(lines), t, with_kicker=above_text) for t in titles):
            logger.debug("dropped title_repeat: %.60r", block.text)
            continue
        if lines:
            cleaned.append(dataclasses.replace(block, text="\n".join(lines)))
    headings = [index for index, block in enumerate(cleaned) if block.is_heading]
    kept = repeats.drop_repeated_paragraphs([block.text for block in cleaned], seen_before=[title] if title else (),
                                         headings=headings)
    return [cleaned[index] for index in kept]


# --- entry point --------------------------------------------------------------------


def extract_article(
    html: bytes | str,
    url: str | None = None,
    *,
    site_rules: SiteRules | None = None,
    repeated_lines: Collection[str] | None = None,
) -> ExtractedArticle | None:
    """None when the page holds no article text (after junk removal nothing is left)."""
    rules = site_rules or SiteRules()
    found = passes.run(html, url, rules.prune_xpaths)
    document, tree = found.metadata, found.tree
    if document is None:
        return None
    objects = metadata.json_ld_objects(tree) if tree is not None else []
    keys = metadata.site_keys(metadata.site_names(tree, objects, document.sitename) if tree is not None else [],
                              url or document.url)
    sources = metadata.title_sources(tree, objects, document.title) if tree is not None else []
    title = metadata.choose_title(sources, keys) if tree is not None else document.title
    headlines = [metadata.strip_site_name(value, keys) for _, value in sources if value and value.strip()]

    furniture = frozenset(junk.normalise_line(line) for line in repeated_lines or ())
    site_patterns = [re.compile(pattern) for pattern in rules.junk_patterns]
    authors = metadata.authors(tree, objects, found.byline, keys) if tree is not None else ()
    body = restore_subheadings(tree, choose_body(found))
    blocks = _clean_blocks(body, title or document.title, site_patterns, furniture, link_texts(tree), headlines,
                           authors)
    if all(block.is_heading for block in blocks):
        return None  # nothing but headings (or nothing at all): a section or error page
    text = "\n\n".join(block.text for block in blocks)

    start = _page_start(html)
    language = declared_language(start) or detect_language(text)
    published = metadata.published(tree, objects, None) if tree is not None else None
    return ExtractedArticle(
        text=text,
        title=title,
        author="; ".join(authors) or None,
        authors=authors,
        published=published or precise_published(start, found.date()),
        language=language,
        canonical_url=document.url,
        site_name=document.sitename,
        description=document.description,
    )

"""Rules that recognise page furniture left in extracted article text.

Every rule is a small named predicate over ONE line or paragraph, anchored on the
whole line wherever possible, so that prose which merely mentions the same words
("read more", "Loading the ship", "Advertisement revenue fell") is kept.
Block-level rules (duplicates, link lists) and the per-site learner live here too.
Pure Python: no Scrapy, no trafilatura.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

logger = logging.getLogger(__name__)

_NON_WORD = re.compile(r"[\W_]+")
_ELLIPSIS = r"(?:\.{2,}|…)?"


def normalise_line(line: str) -> str:
    """Casefolded words separated by single spaces: the identity used to compare lines."""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", line).casefold()).strip()


def word_count(line: str) -> int:
    return len(line.split())


def _whole_line(*alternatives: str) -> re.Pattern[str]:
    """A case-insensitive pattern that must match the entire stripped line."""
    return re.compile("(?:" + "|".join(alternatives) + r")[\s.:!|·•–—-]*", re.IGNORECASE)


# "READ MORE: Some headline", "Also read - ...". A colon/dash is required after the
# label, so a sentence like "Related to this, the port..." is not a teaser.
_TEASER_LABELS = (
    r"read more|read also|also read|more to read|related|related articles?|related stories|"
    r"related news|see also|more on this( story| topic)?|recommended|you may also like|"
    r"you might also like|further reading|read next|most read|читайте также|по теме"
)
_TEASER_PREFIX = re.compile("(?:" + _TEASER_LABELS + r")(?: about)?\s*[:|»>–—-]\s*\S", re.IGNORECASE)
_TEASER_ALONE = _whole_line(_TEASER_LABELS)
_TEASER_MAX_WORDS = 25  # a teaser is a label plus one headline, never a paragraph


def is_teaser_link(line: str) -> bool:
    """'READ MORE: headline', 'Related:', 'See also' ... — links to other articles."""
    line = line.strip()
    if _TEASER_ALONE.fullmatch(line):
        return True
    return word_count(line) <= _TEASER_MAX_WORDS and _TEASER_PREFIX.match(line) is not None


_LOADING = _whole_line(r"loading" + _ELLIPSIS, r"please wait" + _ELLIPSIS, r"загрузка" + _ELLIPSIS)


def is_loading_placeholder(line: str) -> bool:
    """'Loading...' left where a JavaScript widget (tweet, video, poll) would render."""
    return _LOADING.fullmatch(line.strip()) is not None


_AD_LABEL = _whole_line(
    r"advertisement", r"advertising", r"ads?", r"sponsored(?: content)?", r"promoted",
    r"partner content", r"paid content", r"story continues below(?: advertisement)?", r"реклама",
)


def is_ad_label(line: str) -> bool:
    """'Advertisement', 'Sponsored', 'Ad' alone on a line."""
    return _AD_LABEL.fullmatch(line.strip()) is not None


_CALL_TO_ACTION = re.compile(
    r"(?:please )?subscribe(?: now| today| here)?[.!]?$"
    r"|subscribe to (?:our|the) "
    r"|sign up (?:for|to) (?:our|the)\b.*\b(?:newsletter|alerts|briefing|updates)"
    r"|get (?:the|our) .*\b(?:in|to) your inbox"
    r"|support (?:our|independent|quality) journalism"
    r"|(?:please )?(?:donate|make a donation|become a (?:member|supporter|subscriber))\b"
    r"|already (?:a subscriber|have an account)"
    r"|(?:follow|join) us on (?:telegram|twitter|facebook|instagram|whatsapp|x)\b"
    r"|подпишитесь\b",
    re.IGNORECASE,
)
_CALL_TO_ACTION_MAX_WORDS = 40  # boxes are short; a long paragraph is reporting about them


def is_call_to_action(line: str) -> bool:
    """Newsletter, subscription and donation boxes ('Sign up for our newsletter', 'Subscribe')."""
    line = line.strip()
    return word_count(line) <= _CALL_TO_ACTION_MAX_WORDS and _CALL_TO_ACTION.match(line) is not None


_SHARE_WORDS = frozenset(
    {"share", "shares", "sharing", "tweet", "facebook", "twitter", "x", "email", "e-mail", "mail", "whatsapp"}
    | {"telegram", "linkedin", "reddit", "pinterest", "vk", "messenger", "print", "copy", "link", "url"}
    | {"comments", "comment", "this", "article", "on", "via", "поделиться"}
)


def is_share_bar(line: str) -> bool:
    """'Share', 'Tweet', 'Facebook Twitter Email': a line made only of share-button words."""
    words = re.split(r"[\s|/·•,]+", line.strip().casefold())
    words = [w.strip(".:!") for w in words if w.strip(".:!")]
    return bool(words) and all(w in _SHARE_WORDS for w in words) and not set(words) <= {"on", "via", "this"}


_COOKIE = re.compile(
    r"\bwe use cookies\b|\b(?:this|our) (?:web)?site uses cookies\b"
    r"|\b(?:accept|agree to) (?:our|the) use of cookies\b|\bby continuing to (?:browse|use)\b.*\bcookies\b"
    r"|^(?:accept|reject|manage)(?: all)? cookies$|^cookie (?:settings|preferences|policy)$"
    r"|\bиспользуем (?:файлы )?cookie",
    re.IGNORECASE,
)


def is_cookie_notice(line: str) -> bool:
    """Cookie-consent banner text ('We use cookies ... you agree to our use of cookies')."""
    return _COOKIE.search(line.strip()) is not None


_AGENCIES = (
    r"AP|AFP|Reuters|Getty Images|Getty|EPA(?:-EFE)?|EFE|TASS|ТАСС|AA|Anadolu(?: Agency)?|Xinhua|"
    r"Sputnik|RIA Novosti|РИА Новости|Shutterstock|Bloomberg|DPA|ANSA|Kyodo|Yonhap|PA(?: Images)?"
)
# "AP", "Reuters", "Pavel Lebedev / TASS", "(AP Photo/Jane Doe)", "AFP via Getty Images"
_AGENCY_CREDIT = re.compile(
    r"\(?(?:[\w.'’ -]{1,40}\s*/\s*)?(?:" + _AGENCIES + r")(?: (?:Photo|Images|Video))?"
    r"(?:\s*/\s*[\w.'’ -]{1,40})?(?: via (?:" + _AGENCIES + r"))?\)?\.?"
)
# "Photo: Jane Doe", "Image credit - Getty", "Фото: ..."
_LABELLED_CREDIT = re.compile(
    r"(?:photo|photograph|image|picture|video|illustration|credit|фото)(?: credit| source)?s?\s*[:©/–—-]\s*.{1,80}",
    re.IGNORECASE,
)
_CREDIT_MAX_WORDS = 10


def is_photo_credit(line: str) -> bool:
    """A photo/agency credit alone on a line: 'AP', 'AFP', 'Photo: ...', 'Name / TASS'."""
    line = line.strip()
    if not line or word_count(line) > _CREDIT_MAX_WORDS:
        return False
    return _AGENCY_CREDIT.fullmatch(line) is not None or _LABELLED_CREDIT.fullmatch(line) is not None


LINE_RULES: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("teaser_link", is_teaser_link),
    ("loading_placeholder", is_loading_placeholder),
    ("ad_label", is_ad_label),
    ("call_to_action", is_call_to_action),
    ("share_bar", is_share_bar),
    ("cookie_notice", is_cookie_notice),
    ("photo_credit", is_photo_credit),
)


def junk_rule_for(line: str) -> str | None:
    """Name of the first built-in rule that calls this line junk, else None."""
    return next((name for name, rule in LINE_RULES if rule(line)), None)


_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)]*$")
_MAX_UNLINKED_CHARS = 48  # about six words: a date or a "READ MORE:" label, not a sentence


def is_link_list_entry(text: str, linked_chars: int) -> bool:
    """A block that is mostly link: a related-article or index entry, not prose.

    linked_chars is how many of the block's characters sit inside links. Headlines
    carry no full stop, so a sentence ending in one ("Putin and Xi met.") is prose
    even when its names are linked, unless it is practically all link.
    """
    text = text.strip()
    unlinked = len(text) - linked_chars
    if not text or linked_chars * 2 < len(text) or unlinked > _MAX_UNLINKED_CHARS:
        return False
    return _SENTENCE_END.search(text) is None or linked_chars >= 0.9 * len(text)


_MIN_NEAR_DUPLICATE_WORDS = 6  # shorter lines only count as repeats when identical
_NEAR_DUPLICATE_OVERLAP = 0.8
_LONGER_BY = 1.25  # a later copy a quarter longer carries real extra content: it wins


def _bigrams(words: Sequence[str]) -> frozenset[tuple[str, str]]:
    return frozenset(zip(words, words[1:], strict=False))


class _ParagraphIndex:
    """Kept paragraphs with an inverted bigram index, so that finding a near-duplicate
    costs time proportional to the paragraph, not to the whole page (live blogs)."""

    def __init__(self) -> None:
        self.positions: list[int] = []  # slot -> index of the paragraph kept there
        self.lengths: list[int] = []  # slot -> word count
        self.pairs: list[frozenset[tuple[str, str]]] = []
        self._postings: dict[tuple[str, str], set[int]] = {}

    def near_duplicate_of(self, words: Sequence[str], pairs: frozenset[tuple[str, str]]) -> int | None:
        """First kept slot that this paragraph near-duplicates: the shorter of the two
        has enough words and most of its word pairs occur in the longer."""
        if len(words) < _MIN_NEAR_DUPLICATE_WORDS:
            return None
        shared = Counter(slot for pair in pairs for slot in self._postings.get(pair, ()))
        for slot in sorted(shared):
            if min(len(words), self.lengths[slot]) < _MIN_NEAR_DUPLICATE_WORDS:
                continue
            if shared[slot] >= _NEAR_DUPLICATE_OVERLAP * min(len(pairs), len(self.pairs[slot])):
                return slot
        return None

    def put(self, slot: int | None, position: int, words: Sequence[str], pairs: frozenset[tuple[str, str]]) -> None:
        if slot is None:
            slot = len(self.positions)
            self.positions.append(position)
            self.lengths.append(len(words))
            self.pairs.append(pairs)
        else:
            for pair in self.pairs[slot]:
                self._postings[pair].discard(slot)
            self.positions[slot], self.lengths[slot], self.pairs[slot] = position, len(words), pairs
        for pair in pairs:
            self._postings.setdefault(pair, set()).add(slot)


def drop_repeated_paragraphs(paragraphs: Sequence[str], seen_before: Iterable[str] = ()) -> list[int]:
    """Indexes of paragraphs to keep so that each (near-)identical paragraph appears once.

    The first occurrence is kept, unless a later copy is clearly longer (a caption or
    standfirst that reappears inside a fuller body paragraph): then the fuller one is kept.
    Lines in seen_before (e.g. the page title) count as already present.
    """
    seen_exact = {normalise_line(line) for line in seen_before}
    kept = _ParagraphIndex()
    for position, paragraph in enumerate(paragraphs):
        norm = normalise_line(paragraph)
        if not norm or norm in seen_exact:
            continue
        seen_exact.add(norm)
        words = norm.split()
        pairs = _bigrams(words)
        slot = kept.near_duplicate_of(words, pairs)
        if slot is None or len(words) > _LONGER_BY * kept.lengths[slot]:
            kept.put(slot, position, words, pairs)
    return sorted(kept.positions)


class RepeatedLineLearner:
    """Learns per host the short lines that recur on many pages: site furniture.

    observe() each crawled page's text lines; repeated(host) returns the normalised
    lines seen on at least min_pages distinct pages. Only short lines are counted:
    wire stories legitimately reuse whole background paragraphs across articles.
    """

    def __init__(self, min_pages: int = 3, max_words: int = 12, max_lines_per_host: int = 50_000) -> None:
        if min_pages < 2:
            raise ValueError("min_pages must be at least 2")
        self.min_pages = min_pages
        self.max_words = max_words
        self.max_lines_per_host = max_lines_per_host
        self._counts: dict[str, Counter[str]] = {}
        self._learned: dict[str, set[str]] = {}
        self._pages_seen: dict[str, set[str]] = {}
        self._frozen: dict[str, frozenset[str]] = {}

    def observe(self, host: str, lines: Iterable[str], page_key: str | None = None) -> None:
        """Count each distinct short line of one page once. page_key (e.g. the URL)
        stops a re-fetched page from being counted twice."""
        host = host.casefold()
        if page_key is not None:
            seen = self._pages_seen.setdefault(host, set())
            if page_key in seen:
                return
            seen.add(page_key)
        counts = self._counts.setdefault(host, Counter())
        learned = self._learned.setdefault(host, set())
        for line in {normalise_line(line) for line in lines if word_count(line) <= self.max_words} - {""}:
            counts[line] += 1
            if counts[line] == self.min_pages:
                learned.add(line)
                self._frozen.pop(host, None)
        if len(counts) > self.max_lines_per_host:
            # Lines seen on one page only are almost all article prose: forget them to bound memory.
            for line in [line for line, n in counts.items() if n == 1]:
                del counts[line]
            logger.debug("host %s: kept %d lines after forgetting single-page ones", host, len(counts))

    def repeated(self, host: str) -> frozenset[str]:
        host = host.casefold()
        if host not in self._frozen:
            self._frozen[host] = frozenset(self._learned.get(host, ()))
        return self._frozen[host]

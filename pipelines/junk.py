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
    return re.compile(r"(?:%s)[\s.:!|·•–—-]*" % "|".join(alternatives), re.IGNORECASE)


# "READ MORE: Some headline", "Also read - ...". A colon/dash is required after the
# label, so a sentence like "Related to this, the port..." is not a teaser.
_TEASER_LABELS = (
    r"read more|read also|also read|more to read|related|related articles?|related stories|"
    r"related news|see also|more on this( story| topic)?|recommended|you may also like|"
    r"you might also like|further reading|read next|most read|читайте также|по теме"
)
_TEASER_PREFIX = re.compile(r"(?:%s)(?: about)?\s*[:|»>–—-]\s*\S" % _TEASER_LABELS, re.IGNORECASE)
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
    "share shares sharing tweet facebook twitter x email e-mail mail whatsapp telegram linkedin "
    "reddit pinterest vk messenger print copy link url comments comment this article on via "
    "поделиться".split()
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
    r"\(?(?:[\w.'’ -]{1,40}\s*/\s*)?(?:%s)(?: (?:Photo|Images|Video))?(?:\s*/\s*[\w.'’ -]{1,40})?"
    r"(?: via (?:%s))?\)?\.?" % (_AGENCIES, _AGENCIES)
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


LineRule = Callable[[str], bool]

LINE_RULES: tuple[tuple[str, LineRule], ...] = (
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
    for name, rule in LINE_RULES:
        if rule(line):
            return name
    return None


def is_link_list_entry(text: str, linked_chars: int, max_unlinked_words: int = 6) -> bool:
    """A block that is mostly one link: a related-article or index entry, not prose.

    linked_chars is how many of the block's characters sit inside links; the few
    words outside (a date, a label) must not amount to a sentence.
    """
    total = len(text.strip())
    if total == 0 or linked_chars * 2 < total:
        return False
    unlinked = max(total - linked_chars, 0)
    return unlinked <= max_unlinked_words * 8  # ~8 chars per word incl. space


_MIN_NEAR_DUPLICATE_WORDS = 6  # shorter lines only count as repeats when identical
_NEAR_DUPLICATE_OVERLAP = 0.8
_LONGER_BY = 1.25  # a later copy a quarter longer carries real extra content: it wins


def _bigrams(words: Sequence[str]) -> frozenset[tuple[str, str]]:
    return frozenset(zip(words, words[1:], strict=False))


def _is_near_duplicate(a: Sequence[str], b: Sequence[str]) -> bool:
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    if len(shorter) < _MIN_NEAR_DUPLICATE_WORDS:
        return False
    short_pairs = _bigrams(shorter)
    return len(short_pairs & _bigrams(longer)) >= _NEAR_DUPLICATE_OVERLAP * len(short_pairs)


def drop_repeated_paragraphs(paragraphs: Sequence[str], seen_before: Iterable[str] = ()) -> list[int]:
    """Indexes of paragraphs to keep so that each (near-)identical paragraph appears once.

    The first occurrence is kept, unless a later copy is clearly longer (a caption or
    standfirst that reappears as a fuller body paragraph): then the fuller one is kept.
    Lines in seen_before (e.g. the page title) count as already present.
    """
    seen_exact = {normalise_line(line) for line in seen_before}
    kept: list[tuple[int, list[str]]] = []
    for index, paragraph in enumerate(paragraphs):
        norm = normalise_line(paragraph)
        if not norm or norm in seen_exact:
            continue
        words = norm.split()
        duplicate_of = next((pos for pos, (_, other) in enumerate(kept) if _is_near_duplicate(words, other)), None)
        if duplicate_of is None:
            kept.append((index, words))
        elif len(words) > _LONGER_BY * len(kept[duplicate_of][1]):
            kept[duplicate_of] = (index, words)
        seen_exact.add(norm)
    return sorted(index for index, _ in kept)


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
        self._pages_seen: dict[str, set[str]] = {}
        self._cache: dict[str, frozenset[str]] = {}

    def observe(self, host: str, lines: Iterable[str], page_key: str | None = None) -> None:
        """Count each distinct short line of one page. page_key (e.g. the URL) stops a
        re-fetched page from being counted twice."""
        host = host.casefold()
        if page_key is not None:
            seen = self._pages_seen.setdefault(host, set())
            if page_key in seen:
                return
            seen.add(page_key)
        page_lines = {normalise_line(line) for line in lines if 0 < word_count(line) <= self.max_words}
        page_lines.discard("")
        counts = self._counts.setdefault(host, Counter())
        counts.update(page_lines)
        self._cache.pop(host, None)
        if len(counts) > self.max_lines_per_host:
            self._forget_rare_lines(host, counts)

    def repeated(self, host: str) -> frozenset[str]:
        host = host.casefold()
        if host not in self._cache:
            counts = self._counts.get(host, Counter())
            self._cache[host] = frozenset(line for line, n in counts.items() if n >= self.min_pages)
        return self._cache[host]

    def _forget_rare_lines(self, host: str, counts: Counter[str]) -> None:
        # Lines seen once are almost all article prose; dropping them bounds memory.
        rare = [line for line, n in counts.items() if n == 1]
        for line in rare:
            del counts[line]
        logger.debug("forgot %d single-page lines for host %s", len(rare), host)

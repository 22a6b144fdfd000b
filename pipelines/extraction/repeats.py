"""Repeated paragraphs: each (near-)identical paragraph of a page appears once (no Scrapy).

A caption or standfirst that reappears inside a fuller body paragraph, a pull quote that
repeats a paragraph: the first occurrence is kept unless a later copy is clearly longer.
Candidates come from an inverted index of word pairs whose very common pairs are not
indexed, so the work grows linearly with the page (live blogs of thousands of entries).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Collection, Iterable, Sequence

from .junk import normalise_line

logger = logging.getLogger(__name__)


_MIN_NEAR_DUPLICATE_WORDS = 6  # shorter lines only count as repeats when identical
_NEAR_DUPLICATE_OVERLAP = 0.8
_LONGER_BY = 1.25  # a later copy a quarter longer carries real extra content: it wins
# Bounds on the work per paragraph, so that a page of n paragraphs costs O(n), not O(n²)
# (a live blog has thousands of paragraphs sharing "of the", "in the"…): a word pair found in
# more kept paragraphs than _MAX_POSTING is too common to point at a duplicate and is no
# longer indexed, and at most _MAX_CANDIDATES paragraphs (those sharing most pairs) are
# compared in full.
_MAX_POSTING = 32
_MAX_CANDIDATES = 8


def _bigrams(words: Sequence[str]) -> frozenset[tuple[str, str]]:
    return frozenset(zip(words, words[1:], strict=False))


class _ParagraphIndex:
    """Kept paragraphs with an inverted index of their word pairs, so that finding a
    near-duplicate costs time proportional to the paragraph, not to the whole page.

    ``work`` counts the posting entries and candidate pairs examined: tests use it to check
    that the cost stays linear in the page size without timing anything."""

    def __init__(self) -> None:
        self.positions: list[int] = []  # slot -> index of the paragraph kept there
        self.lengths: list[int] = []  # slot -> word count
        self.pairs: list[frozenset[tuple[str, str]]] = []
        self._postings: dict[tuple[str, str], set[int] | None] = {}  # None: too common, not indexed
        self.work = 0

    def near_duplicate_of(self, words: Sequence[str], pairs: frozenset[tuple[str, str]]) -> int | None:
        """First kept slot (among the most similar) that this paragraph near-duplicates: the
        shorter of the two has enough words and most of its word pairs occur in the longer."""
        if len(words) < _MIN_NEAR_DUPLICATE_WORDS:
            return None
        shared: Counter[int] = Counter()
        for pair in pairs:
            slots = self._postings.get(pair)
            if slots:
                self.work += len(slots)
                shared.update(slots)
        for slot in sorted(slot for slot, _ in shared.most_common(_MAX_CANDIDATES)):
            self.work += min(len(pairs), len(self.pairs[slot]))
            if min(len(words), self.lengths[slot]) < _MIN_NEAR_DUPLICATE_WORDS:
                continue
            overlap = len(pairs & self.pairs[slot])
            if overlap >= _NEAR_DUPLICATE_OVERLAP * min(len(pairs), len(self.pairs[slot])):
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
                if slots := self._postings.get(pair):
                    slots.discard(slot)
            self.positions[slot], self.lengths[slot], self.pairs[slot] = position, len(words), pairs
        for pair in pairs:
            slots = self._postings.setdefault(pair, set())
            if slots is None:
                continue
            slots.add(slot)
            if len(slots) > _MAX_POSTING:
                self._postings[pair] = None


# A caption or standfirst repeats once or twice; when more blocks than this repeat
# (and a tenth of the page), repetition is the page's own structure: a meal plan per
# programme, a fixture list per round, the same steps for two devices. Then only
# repeats of seen_before are dropped.
_MAX_STRAY_REPEATS = 4
_MAX_STRAY_REPEAT_SHARE = 0.1


def drop_repeated_paragraphs(paragraphs: Sequence[str], seen_before: Iterable[str] = (),
                             headings: Collection[int] = ()) -> list[int]:
    """Indexes of paragraphs to keep so that each (near-)identical paragraph appears once.

    The first occurrence is kept. A later paragraph that is mostly contained in an earlier
    one (a pull quote, a caption repeated) goes; an earlier one contained in a clearly
    longer later one (a caption or pull quote placed before the paragraph it quotes) gives
    way to the fuller one — except the page's first paragraph (the lead or standfirst, which
    the body may restate at length) and subheadings (indexes in ``headings``: a heading
    quoting the paragraph below it is still a heading), which are only dropped when repeated
    exactly. Lines in seen_before (e.g. the page title) count as already present. When many
    blocks repeat, repetition is the page's structure and only the seen_before repeats go.
    """
    seen_exact = {normalise_line(line) for line in seen_before}
    norms = [normalise_line(paragraph) for paragraph in paragraphs]
    candidates = [position for position, norm in enumerate(norms) if norm and norm not in seen_exact]
    lead = candidates[0] if candidates else None
    heading_set = frozenset(headings)
    kept = _ParagraphIndex()
    exact_only: list[int] = []  # headings: kept unless repeated word for word
    for position in candidates:
        norm = norms[position]
        if norm in seen_exact:
            continue
        seen_exact.add(norm)
        if position in heading_set:
            exact_only.append(position)
            continue
        words = norm.split()
        pairs = _bigrams(words)
        slot = kept.near_duplicate_of(words, pairs)
        if slot is None:
            kept.put(None, position, words, pairs)
        elif len(words) > _LONGER_BY * kept.lengths[slot]:
            if kept.positions[slot] == lead:
                kept.put(None, position, words, pairs)  # the lead stays; the fuller paragraph too
            else:
                kept.put(slot, position, words, pairs)
    survivors = sorted(kept.positions + exact_only)
    repeats = len(candidates) - len(survivors)
    if repeats > max(_MAX_STRAY_REPEATS, _MAX_STRAY_REPEAT_SHARE * len(candidates)):
        logger.debug("%d of %d blocks repeat: structure, kept", repeats, len(candidates))
        return candidates
    return survivors

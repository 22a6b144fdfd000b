"""The repeated-line learner: per host, the short lines that recur on many pages (site
furniture such as "Route 6" or a promo footer), dropped from later pages of the host
(no Scrapy). Its counts are kept across runs by ``site_lines``.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping

from .junk import normalise_line, word_count

logger = logging.getLogger(__name__)


class RepeatedLineLearner:
    """Learns per host the short lines that recur on many pages: site furniture.

    observe() each crawled page's text lines; repeated(host) returns the normalised
    lines seen on at least min_pages distinct pages and on at least min_share of the
    pages observed for that host (so that a subheading such as "Background", used by a
    few articles of a large site, is not mistaken for furniture). Only short lines are
    counted: wire stories legitimately reuse whole background paragraphs across articles.
    export() and seed() move the counts to and from storage (pipelines.site_lines).
    """

    def __init__(self, min_pages: int = 3, max_words: int = 12, max_lines_per_host: int = 50_000,
                 min_share: float = 0.0) -> None:
        if min_pages < 2:
            raise ValueError("min_pages must be at least 2")
        if not 0.0 <= min_share <= 1.0:
            raise ValueError("min_share must be between 0 and 1")
        self.min_pages = min_pages
        self.max_words = max_words
        self.max_lines_per_host = max_lines_per_host
        self.min_share = min_share
        self._counts: dict[str, Counter[str]] = {}
        self._pages: Counter[str] = Counter()  # pages observed per host
        self._pages_seen: dict[str, set[str]] = {}
        self._frozen: dict[str, frozenset[str]] = {}
        # per host: the lines at or over the threshold, and the threshold they were judged at;
        # kept up to date by observe() (a full scan of the counts only after seed())
        self._repeated: dict[str, set[str]] = {}
        self._judged_at: dict[str, float] = {}
        self._changed: set[str] = set()

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
        self._pages[host] += 1
        observed = {normalise_line(line) for line in lines if word_count(line) <= self.max_words} - {""}
        for line in observed:
            counts[line] += 1
        self._forget_if_full(host)
        if host in self._repeated:
            # The threshold only rises (pages only grow): lines fall out only when it does, and
            # come in only when observed, so the set is kept exact without scanning every count.
            threshold, repeated = self._threshold(host), self._repeated[host]
            repeated.update(line for line in observed if counts[line] >= threshold)
            if threshold > self._judged_at[host]:
                repeated.difference_update([line for line in repeated if counts[line] < threshold])
                self._judged_at[host] = threshold
        self._frozen.pop(host, None)
        self._changed.add(host)

    def _threshold(self, host: str) -> float:
        return max(self.min_pages, self.min_share * self._pages[host])

    def _forget_if_full(self, host: str) -> None:
        counts = self._counts[host]
        if len(counts) > self.max_lines_per_host:
            # Lines seen on one page only are almost all article prose: forget them to bound memory.
            for line in [line for line, n in counts.items() if n == 1]:
                del counts[line]
            logger.debug("host %s: kept %d lines after forgetting single-page ones", host, len(counts))

    def repeated(self, host: str) -> frozenset[str]:
        host = host.casefold()
        if host not in self._frozen:
            if host not in self._repeated:  # first asked, or seeded since: a full scan, once
                threshold = self._threshold(host)
                counts = self._counts.get(host, Counter())
                self._repeated[host] = {line for line, n in counts.items() if n >= threshold}
                self._judged_at[host] = threshold
            self._frozen[host] = frozenset(self._repeated[host])
        return self._frozen[host]

    def pages(self, host: str) -> int:
        return self._pages[host.casefold()]

    def export(self, changed_only: bool = False) -> dict[str, tuple[int, dict[str, int]]]:
        """host -> (pages observed, {normalised line: pages it was on}); changed_only limits
        it to hosts observed or seeded since the last export(changed_only=True)."""
        hosts = sorted(self._changed) if changed_only else sorted(self._counts)
        if changed_only:
            self._changed = set()
        return {host: (self._pages[host], dict(self._counts.get(host, {}))) for host in hosts}

    def seed(self, host: str, pages: int, counts: Mapping[str, int]) -> None:
        """Add counts learned earlier (e.g. by yesterday's run) for host."""
        host = host.casefold()
        mine = self._counts.setdefault(host, Counter())
        self._pages[host] += max(0, pages)
        for line, n in counts.items():
            if line and n > 0:
                mine[line] += n
        self._forget_if_full(host)
        self._repeated.pop(host, None)
        self._frozen.pop(host, None)

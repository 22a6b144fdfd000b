"""Story clusters: the same (wire) story as different outlets ran it, linked in the catalog
(no Scrapy imports).

Each article's clean text is normalised, cut into word 3-gram shingles (within a paragraph,
so that reordered paragraphs keep their shingles and one-word junk lines such as "AP" or
"Loading..." make none), and fingerprinted with one-permutation MinHash: every shingle is
hashed once to 64 bits, the low 8 bits pick one of 256 bins and the rest compete for the
bin's minimum; empty bins are filled by "optimal densification" (Shrivastava 2017), so that
two texts agree on a bin with probability equal to the Jaccard similarity of their shingle
sets. The fingerprint is the 256 bin minima (kept as 32 bits each: 1 KiB) and the number of
distinct shingles.

Similarity is the estimated *containment* of the smaller text in the larger,
``|A∩B| / min(|A|, |B|)``, with ``|A∩B| = J (|A| + |B|) / (1 + J)`` from the MinHash Jaccard
estimate ``J`` and the two shingle counts: a shortened version, or one with local paragraphs
added, is still (nearly) contained in the full story although its Jaccard similarity is low.

Why MinHash over shingles and not SimHash (measured by ``benchmarks/stories.py`` on the
labelled set in ``tests/stories``; see docs/stories.md): a 64-bit SimHash of the words
(trafilatura's ``Simhash``) is a fingerprint of the *vocabulary*, and articles on the same
topic share it (Russia, China, Ukraine, NATO, Moscow, Beijing...): versions of one story
score down to 0.66 and different same-topic stories up to 0.75, so no threshold separates
them (best pairwise F1 0.90). Shingle containment puts versions at 0.54 and up, different
stories at 0.28 and below (F1 1.0 for any threshold in between); Jaccard separates them too
but falls with every cut a shorter version makes. The seed pair (one AFP story, two outlets)
scores 0.83. Cost: ~0.7 ms to fingerprint 1,000 words in pure Python (~2 ms while the
per-word cache is cold).

Candidates are found by LSH banding, never by scanning: the first 128 bins form 64 bands of
2 rows; each band's hash is a row of ``story_buckets`` (primary key ``(bucket,
article_id)``), and an earlier article is a candidate when it shares a band with the new one
(probability ``1 - (1 - J²)^64``: 0.93 at J = 0.2, 0.998 at J = 0.3). Candidates are then
scored from their stored fingerprint.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import sys
import unicodedata
from array import array
from dataclasses import dataclass, field
from functools import lru_cache

SHINGLE_WORDS = 3
BINS = 256  # MinHash bins (one-permutation hashing)
BAND_ROWS = 2
BANDS = 64  # over the first BANDS * BAND_ROWS bins
# Part of every bucket key and stored with every fingerprint: change it when the
# normalisation or the hashing changes, so that old and new fingerprints never meet.
FINGERPRINT_VERSION = 1

DEFAULT_THRESHOLD = 0.45
DEFAULT_MIN_WORDS = 50

_MASK64 = (1 << 64) - 1
_EMPTY = 1 << 64

# --- normalisation -----------------------------------------------------------------

# Apostrophes and single quotes go: Russia's -> russias, don't -> dont ('quoted' words stay apart).
_APOSTROPHES = "'`\u2018\u2019\u201b\u02bc\u2032\u00b4"
# "U.S." / "U.K." / "e.g.": the dot after a single letter that is followed by a letter.
# (Patterns that start with a literal run ~20x faster than ones that start with a lookbehind.)
_INITIALISM_DOT = re.compile(r"\.(?<=\b\w\.)(?=\w\b)")
# Thousands separators: 100,000 / 100.000 / 100 000 (also a narrow no-break space) -> 100000.
_THOUSANDS = re.compile(r"[,.\u00a0\u202f ](?<=\d.)(?=\d{3}\b)")
_WORD = re.compile(r"\w+")
# Teaser and widget lines that outlets add around a wire story (matched on the line's words).
# Deliberately not the extractor's junk rules: a fingerprint must stay the same across
# versions of those rules, or stories stop matching across runs (FINGERPRINT_VERSION).
_TEASER_MAX_WORDS = 20
_TEASER_LINE = re.compile(
    r"(read more|read also|also read|more on this|related|see also|recommended|watch|listen|"
    r"loading|advertisement|sponsored|subscribe|sign up|click here)\b")

# British and American spellings, and other variants, to one form (applied to words longer
# than 4 letters, after doubled letters are collapsed: travelled/traveled, Zelenskyy/Zelensky).
_SPELLING = [
    (re.compile(r"(?<=\w\w)is(e|ed|es|ing|ation|ations|er|ers)$"), r"iz\1"),  # organise/organize
    (re.compile(r"(?<=\w\w)ys(e|ed|es|ing)$"), r"yz\1"),                      # analyse/analyze
    (re.compile(r"(?<=\w\w)our(s|ed|ing|ite|ites|able|ably)?$"), r"or\1"),     # neighbour/neighbor
    (re.compile(r"(?<=\w\w)tre(s|d)?$"), r"ter\1"),                            # centre/center
    (re.compile(r"(?<=\w\w)ence$"), "ense"),                                  # defence/defense
    (re.compile(r"(?<=\w\w)ogue(s)?$"), r"og\1"),                              # catalogue/catalog
    (re.compile(r"(?<=\w\w)ame$"), "am"),                                     # programme/program
]
_SPELLING_ENDINGS = ("ise", "ised", "ises", "ising", "isation", "isations", "iser", "isers", "yse", "ysed", "yses",
                     "ysing", "our", "ours", "oured", "ouring", "ourite", "ourites", "ourable", "ourably", "tre",
                     "tres", "tred", "ence", "ogue", "ogues", "ame")
_DOUBLED = re.compile(r"(\D)\1+")


@lru_cache(maxsize=200_000)
def _word_hash(word: str) -> int:
    """A word's canonical spelling, hashed to 64 bits (stable across processes, unlike hash())."""
    word = _DOUBLED.sub(r"\1", word)
    if len(word) > 4 and word.endswith(_SPELLING_ENDINGS):
        for pattern, replacement in _SPELLING:
            word = pattern.sub(replacement, word)
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


def normalise(text: str) -> str:
    """Case, quotes, initialisms and thousands separators; one paragraph a line."""
    text = unicodedata.normalize("NFKC", text).casefold()
    for mark in _APOSTROPHES:  # str.replace: ~50x faster than str.translate with a dict here
        if mark in text:
            text = text.replace(mark, "")
    text = _INITIALISM_DOT.sub("", text)
    return _THOUSANDS.sub("", text)


def paragraphs(text: str) -> list[list[str]]:
    """The normalised words of each line, teaser lines (short lines that start like one) left out."""
    lines = (_WORD.findall(line) for line in normalise(text).splitlines() if line.strip())
    return [words for words in lines
            if not (len(words) <= _TEASER_MAX_WORDS and _TEASER_LINE.match(" ".join(words)))]


def word_count(text: str) -> int:
    return sum(len(words) for words in paragraphs(text))


# --- fingerprint ---------------------------------------------------------------------

def _mix(x: int) -> int:
    """SplitMix64's finaliser."""
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def shingle_hashes(text: str) -> set[int]:
    """64-bit hashes of the word 3-grams of each paragraph (a shorter paragraph: none)."""
    return _shingle_hashes(paragraphs(text))


def _shingle_hashes(lines: list[list[str]]) -> set[int]:
    # The word hashes are uniform 64-bit values, so a sum with odd multipliers is one too
    # (and order-sensitive); no per-shingle mixing call, which would double the cost.
    out: set[int] = set()
    add = out.add
    word_hash = _word_hash
    for words in lines:
        if len(words) < SHINGLE_WORDS:
            continue
        hashes = [word_hash(w) for w in words]
        for a, b, c in zip(hashes, hashes[1:], hashes[2:], strict=False):
            add((a * 0x9E3779B97F4A7C15 + b * 0xC2B2AE3D27D4EB4F + c * 0x165667B19E3779F9) & _MASK64)
    return out


# A fixed pseudo-random probe sequence per empty bin, the same for every text.
_PROBES = [[_mix((i << 16) | attempt) % BINS for attempt in range(1, 65)] for i in range(BINS)]


@dataclass(frozen=True)
class Fingerprint:
    signature: tuple[int, ...]  # BINS values, 32 bits each
    shingles: int               # distinct shingles in the text
    words: int = 0              # words in the text (teaser lines left out)
    # the LSH bucket keys (see bands()), made with the fingerprint: in the extraction worker
    band_keys: tuple[int, ...] | None = field(default=None, compare=False, repr=False)

    def to_blob(self) -> bytes:
        values = array("I", self.signature)
        if sys.byteorder == "big":
            values.byteswap()
        return values.tobytes()

    @classmethod
    def from_blob(cls, blob: bytes, shingles: int) -> Fingerprint:
        values = array("I")
        values.frombytes(blob)
        if sys.byteorder == "big":
            values.byteswap()
        return cls(tuple(values), shingles)

    def bands(self) -> list[int]:
        """The LSH bucket keys: one signed 64-bit integer per band."""
        if self.band_keys is not None:
            return list(self.band_keys)
        return self._bands()

    def _bands(self) -> list[int]:
        keys = []
        for band in range(BANDS):
            rows = self.signature[band * BAND_ROWS:(band + 1) * BAND_ROWS]
            data = f"{FINGERPRINT_VERSION}:{band}:" + ",".join(map(str, rows))
            keys.append(int.from_bytes(hashlib.blake2b(data.encode(), digest_size=8).digest(), "little",
                                       signed=True))
        return keys


def fingerprint(text: str) -> Fingerprint:
    lines = paragraphs(text)
    hashes = _shingle_hashes(lines)
    mins = [_EMPTY] * BINS
    for h in hashes:
        b = h & (BINS - 1)
        v = h >> 8
        if v < mins[b]:
            mins[b] = v
    if hashes:
        filled = [m != _EMPTY for m in mins]
        for i in range(BINS):
            if not filled[i]:
                for attempt, j in enumerate(_PROBES[i], 1):
                    if filled[j]:
                        # offset by the attempt so a copied value differs from its source bin's
                        mins[i] = mins[j] + attempt
                        break
                else:  # 64 misses in a row: only for a text of a handful of shingles
                    j = next(j for j in range(BINS) if filled[(i + j) % BINS])
                    mins[i] = mins[(i + j) % BINS] + 1000 + j
    else:
        mins = [0] * BINS
    made = Fingerprint(tuple(m & 0xFFFFFFFF for m in mins), len(hashes), sum(map(len, lines)))
    return dataclasses.replace(made, band_keys=tuple(made._bands()))


def jaccard(a: Fingerprint, b: Fingerprint) -> float:
    if not a.shingles or not b.shingles:
        return 0.0
    return sum(x == y for x, y in zip(a.signature, b.signature, strict=True)) / BINS


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """Estimated containment of the smaller shingle set in the larger, 0..1."""
    j = jaccard(a, b)
    if j == 0.0:
        return 0.0
    common = j * (a.shingles + b.shingles) / (1 + j)
    return min(1.0, common / min(a.shingles, b.shingles))


def text_similarity(a: str, b: str) -> float:
    return similarity(fingerprint(a), fingerprint(b))


# --- linking ----------------------------------------------------------------------------


class StoryLinker:
    """Links each new article row to the story of its most similar earlier article.

    ``link()`` is called right after the article's row is inserted; it sets the row's
    ``story_id`` and ``story_similarity`` and stores the text's fingerprint for later
    articles, in this process or a later run on the same catalog. The tables are the
    catalog's (``index``: pipelines.storage.story_index.StoryIndex); the decisions are here.
    """

    def __init__(self, index, *, threshold: float = DEFAULT_THRESHOLD, min_words: int = DEFAULT_MIN_WORDS):
        self.index = index
        self.threshold = threshold
        self.min_words = min_words
        self.last_candidates = 0  # how many stored fingerprints the last link() compared

    def link(self, article_id: int, text: str, *, url: str, canonical_url: str | None = None,
             precomputed: Fingerprint | None = None) -> tuple[int, float | None]:
        """(story_id, similarity) for the article row ``article_id``, also written to that row.

        A revision of an earlier article (same URL or canonical URL) keeps its story; a text
        shorter than ``min_words`` words starts its own; otherwise the most similar earlier
        article at or above the threshold gives its story, and no match starts a new story
        whose id is the article's own id (the similarity is then None). ``precomputed`` is
        ``fingerprint(text)`` when the extraction worker already made it.
        """
        self.last_candidates = 0
        fp = precomputed if precomputed is not None else fingerprint(text)
        long_enough = fp.words >= self.min_words
        story_id: int | None = None
        score: float | None = None
        urls = [url] if not canonical_url or canonical_url == url else [url, canonical_url]
        earlier = self.index.earlier_revision(article_id, urls)
        if earlier is not None:
            story_id = earlier[1]
            stored = self._fingerprints([earlier[0]])
            if earlier[0] in stored and long_enough:
                score = round(similarity(fp, stored[earlier[0]]), 4)
        elif long_enough:
            best = self._best_match(article_id, fp)
            if best is not None:
                match_id, score = best
                story_id = self.index.story_of(match_id) or match_id
                score = round(score, 4)
        if story_id is None:
            story_id, score = article_id, None
        self.index.save(article_id, story_id, score,
                        fingerprint=(FINGERPRINT_VERSION, fp.shingles, fp.to_blob()) if long_enough else None,
                        buckets=fp.bands() if long_enough else ())
        return story_id, score

    def candidates(self, article_id: int, fp: Fingerprint) -> list[int]:
        """Earlier articles sharing at least one LSH band with ``fp`` (an index search, no scan)."""
        return self.index.sharing_buckets(fp.bands(), before=article_id)

    def _fingerprints(self, ids: list[int]) -> dict[int, Fingerprint]:
        return {article_id: Fingerprint.from_blob(blob, shingles)
                for article_id, (shingles, blob) in self.index.signatures(ids, FINGERPRINT_VERSION).items()}

    def _best_match(self, article_id: int, fp: Fingerprint) -> tuple[int, float] | None:
        stored = self._fingerprints(self.candidates(article_id, fp))
        self.last_candidates = len(stored)
        best: tuple[int, float] | None = None
        for other_id, other in stored.items():
            score = similarity(fp, other)
            # the most similar; on a tie the earliest, so a story keeps pointing at its first article
            if score >= self.threshold and (best is None or score > best[1]
                                            or (score == best[1] and other_id < best[0])):
                best = (other_id, score)
        return best

"""Article metadata from the page's own markup: headline, authors, publication date.

Pure: an lxml tree of the raw page in, plain values out (no Scrapy, no trafilatura). The
page's structured data wins — JSON-LD (schema.org ``NewsArticle`` and kin), then ``<meta>``
tags, then the visible ``<h1>`` — and trafilatura's own guesses are only the fallback.

- Title: every source (``og:title``, JSON-LD ``headline``, ``<h1>``, ``twitter:title``,
  ``<title>``) loses its site-name prefix or suffix (``" | Börsen-Zeitung"``, ``" - Reuters"``,
  ``"：朝日新聞デジタル"``, ``" | CBC News"``, a trailing date or byline), and the short section
  label left before a cut-off site name when another source gives the headline without it
  (``"Headline-정치ㅣ한국일보"``); then the sources vote for one of their values, og:title
  counting most, a source also backing the separator-bounded pieces of its own value (so
  ``"Kicker | Headline"`` and ``"Kicker: Headline | Section"`` support ``"Headline"``).
- Authors: people's names, from JSON-LD ``author`` (Person entries; organisations only when no
  person is named), else ``<meta name=author>`` and kin, else trafilatura's byline; cleaned of
  "By"/"Von"-style labels and split at "and"/"und"/"og" and commas; "Brazil, Rachel" becomes
  "Rachel Brazil".
- Date: JSON-LD ``datePublished`` of the article, else ``article:published_time`` and kin, as
  ISO 8601 (with time and zone when the page gives them); else trafilatura's date.
"""

from __future__ import annotations

import html
import json
import logging
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from lxml.html import HtmlElement

logger = logging.getLogger(__name__)

# --- JSON-LD -----------------------------------------------------------------------------

_MAX_LD_OBJECTS = 500  # a page state dumped as JSON-LD must not cost more than a page
_ARTICLE_TYPES = re.compile(r"Article|BlogPosting|Report|LiveBlogPosting|NewsArticle|Posting$")


def json_ld_objects(tree: HtmlElement) -> list[dict[str, Any]]:
    """Every JSON object in the page's ``application/ld+json`` scripts (nested ones too,
    breadth-first, at most _MAX_LD_OBJECTS); scripts that do not parse are skipped."""
    objects: list[dict[str, Any]] = []
    for script in tree.iterfind('.//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue
        queue = [data]
        while queue and len(objects) < _MAX_LD_OBJECTS:
            item = queue.pop(0)
            if isinstance(item, list):
                queue.extend(item)
            elif isinstance(item, dict):
                objects.append(item)
                queue.extend(value for value in item.values() if isinstance(value, list | dict))
    return objects


def _types(obj: dict[str, Any]) -> list[str]:
    kind = obj.get("@type")
    return [t for t in (kind if isinstance(kind, list) else [kind]) if isinstance(t, str)]


def article_objects(objects: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The objects describing an article (NewsArticle, BlogPosting, ReportageNewsArticle…)."""
    return [obj for obj in objects if any(_ARTICLE_TYPES.search(t) for t in _types(obj))]


def _text(value: Any) -> str:
    return re.sub(r"\s+", " ", html.unescape(value)).strip() if isinstance(value, str) else ""


_last_page = threading.local()  # .tree, .meta: the <meta> index of the last page looked at, per thread


def _meta(tree: HtmlElement, *names: str) -> list[str]:
    """Contents of the page's <meta> tags with these property/name/itemprop values, in page
    order. The index of one page is built once (the tree is kept with it, so that its id
    cannot be reused by the next page's tree)."""
    if getattr(_last_page, "tree", None) is not tree:
        index: dict[str, list[tuple[int, str]]] = {}
        for position, element in enumerate(tree.iterfind(".//meta")):
            key = (element.get("property") or element.get("name") or element.get("itemprop") or "").strip().lower()
            if key and (content := _text(element.get("content"))):
                index.setdefault(key, []).append((position, content))
        _last_page.tree, _last_page.meta = tree, index
    found = sorted(entry for name in dict.fromkeys(names) for entry in _last_page.meta.get(name, ()))
    return [content for _, content in found]


# --- title -----------------------------------------------------------------------------------

# Where a title is cut into headline and site name: " | ", " - ", " – ", " — ", " :: ", " · ",
# " * ", " / ", and the full-width or Hangul bars ("：", "｜", "ㅣ") that need no spaces.
_TITLE_SEPARATOR = re.compile(r"\s+(?:[|–—·•*/»:-]{1,2})\s+|\s*[｜ㅣ|：]\s*")
_DATE_SEGMENT = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")
_HOST_WORDS = frozenset({"www", "com", "co", "org", "net", "news", "m", "amp", "de", "uk", "fr", "es", "it"})
_SITE_SLACK = 6  # "The Gateway Pundit" names the site gatewaypundit.com; "Kate Moss auf dem VOGUE-Cover" does not
# og:title is the page's own declared headline and the most often right single source (it is
# the expected title on 166 of the 201 fundus-news-dev pages that have one, <h1> on 142 of 196,
# JSON-LD headline on 141 of 178); <title> and twitter:title mostly repeat it with the site
# name, trafilatura's title is og:title or <h1>. So og:title wins unless JSON-LD and <h1> agree
# on another headline and trafilatura's title does not back og:title, or og:title holds their
# headline as a piece (og:title "Kicker | Headline", "Kicker: Headline | Section", the others
# "Headline"). Flipping that balance (JSON-LD and <h1> over og:title) would fix 8 of the
# remaining misses and break 18 pages: which version is "the" headline is each publisher's choice.
_SOURCE_WEIGHTS = {"og:title": 2.0, "json-ld": 1.0, "h1": 1.0, "fallback": 0.6, "twitter:title": 0.25, "title": 0.25}
_PART_SUPPORT = 0.6  # a source backs a separator-bounded part of its value a little less than its value


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())


def site_names(tree: HtmlElement, objects: list[dict[str, Any]], *extra: str | None) -> list[str]:
    """The site's names as the page declares them: og:site_name, application-name, the
    JSON-LD publisher, plus extra ones (trafilatura's sitename)."""
    names = [name for name in extra if name] + _meta(tree, "og:site_name", "application-name")
    for obj in objects:
        publisher = obj.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            names.append(_text(publisher["name"]))
    # A template that fills og:site_name with the headline names no site: stripping it would
    # cut the headline's own words ("Nationale Demo / Der 9. Juli naht: …"). Only the headline
    # fields count: the <h1> or <title> may well be the site's name (a logo, a home page).
    headlines = {_key(_text(value)) for kind, value in title_sources(tree, objects)
                 if kind in ("og:title", "twitter:title", "json-ld") and _text(value)}
    return [name for name in names if _key(name) not in headlines]


def site_keys(names: Iterable[str | None], url: str | None) -> frozenset[str]:
    """Comparison keys for the site's name: its declared names and its host name's words."""
    keys = {_key(name) for name in names if name}
    host = (urlsplit(url).hostname or "").removeprefix("www.") if url else ""
    if host:
        keys.add(_key(host))
        keys.update(_key(word) for word in host.split(".") if word not in _HOST_WORDS)
    return frozenset(key for key in keys if len(key) >= 2)


def is_site_name(segment: str, keys: Iterable[str]) -> bool:
    """A title segment that names the site (or is a date stamp): 'Börsen-Zeitung', 'DW', 'Golem.de'."""
    key = _key(segment)
    if not key or _DATE_SEGMENT.fullmatch(segment.strip()):
        return True
    # Containment only between keys of 4 characters or more: "dw" is in "russlandwahl".
    return any(key == site or (len(key) >= 4 and len(site) >= 4 and (key in site or (
        site in key and len(key) <= len(site) + _SITE_SLACK))) for site in keys)


_SITE_PREFIX = re.compile(r"^([^:|]{1,40}):\s+(?=\S)")  # "Golem.de: Headline"


_NAME_WORDS = 4


def _names_site_in_words(segment: str, keys: frozenset[str]) -> bool:
    """A last title segment that is a name built on the site's name: a few capitalised words
    beginning or ending with one of its keys ('CBC News', 'Die Neue Südtiroler Tageszeitung'
    on tageszeitung.it). 'Metro strike called off' is a sentence, not a name."""
    words = segment.split()
    if not 2 <= len(words) <= _NAME_WORDS or not all(word[:1].isupper() or not word[:1].isalpha() for word in words):
        return False
    return any(len(_key(word)) >= 3 and _key(word) in keys for word in (words[0], words[-1]))


_BYLINE_SEGMENT = re.compile(r"(?:by|von|por|par|door|av|af|di)\s+(\S.*)", re.I)


def _is_byline(segment: str) -> bool:
    """A title segment that signs the story: 'by Cristina Laila', 'von Anna Sleegers'."""
    found = _BYLINE_SEGMENT.fullmatch(segment.strip())
    return bool(found) and len(found.group(1).split()) <= 4 and looks_like_a_name(found.group(1))


def strip_site_name(title: str, keys: Iterable[str]) -> str:
    """The title without site-name segments at either end ('Headline | Site' -> 'Headline',
    'Site: Headline' -> 'Headline') and without a byline at its end ('Headline | by Jane Doe')."""
    keys = frozenset(keys)
    prefix = _SITE_PREFIX.match(title)
    if prefix and is_site_name(prefix.group(1), keys) and _key(prefix.group(1)):
        title = title[prefix.end():]
    while True:
        cuts = list(_TITLE_SEPARATOR.finditer(title))
        if not cuts:
            return title
        head, tail = title[: cuts[0].start()], title[cuts[-1].end():]
        if title[: cuts[-1].start()].strip() and (is_site_name(tail, keys) or _is_byline(tail)
                                                  or _names_site_in_words(tail, keys)):
            title = title[: cuts[-1].start()].strip()
        elif title[cuts[0].end():].strip() and is_site_name(head, keys):
            title = title[cuts[0].end():].strip()
        else:
            return title


_KICKER_CUT = re.compile(r"(?<=\S):\s+")  # "Kicker: Headline"


def _parts(title: str) -> set[str]:
    """The separator-bounded pieces of a title: its prefixes, suffixes and the spans between
    two cuts; a kicker's colon only opens a piece ("Kicker: Headline | Section" holds
    "Headline", not "Kicker")."""
    cuts = [(cut.start(), cut.end(), True) for cut in _TITLE_SEPARATOR.finditer(title)]
    cuts += [(cut.start(), cut.end(), False) for cut in _KICKER_CUT.finditer(title)]
    lefts = [0, *(end for _, end, _ in cuts)]
    rights = [len(title), *(start for start, _, closes in cuts if closes)]
    parts = {title[left:right].strip() for left in lefts for right in rights if left < right}
    return {part for part in parts if part and part != title.strip()}


_SECTION_CUT = re.compile(r"\s*[-–—|/·•:｜ㅣ]\s*")  # spaced or not: "헤드라인-정치ㅣ한국일보"
_SECTION_WORDS, _SECTION_CHARS = 3, 30


def _without_section(title: str, stated: set[str]) -> str:
    """A title that had the site name cut off its end, without the short label left before it
    ("Headline | Politics News | Site", "헤드라인-정치ㅣ사이트"), when another source states the
    headline without that label: furniture sits next to the site name."""
    for cut in reversed(list(_SECTION_CUT.finditer(title))):
        head, tail = title[:cut.start()].strip(), title[cut.end():].strip()
        if len(tail) > _SECTION_CHARS or len(tail.split()) > _SECTION_WORDS:
            break
        if tail and len(head) >= 3 * len(tail) and _key(head) in stated:
            return head
    return title


def choose_title(sources: Iterable[tuple[str, str | None]], keys: Iterable[str]) -> str | None:
    """The headline most sources agree on, each source first stripped of the site name.

    sources: (kind, raw value) with kind in _SOURCE_WEIGHTS. Only a value some source states
    whole can win (a part all of them share, "Headline" of "Headline - more", is a fragment);
    a value supports itself with the source's weight and each of its separator-bounded parts
    with _PART_SUPPORT of it; ties go to the longer headline. Of the spellings of the winner
    ("Kohberger's" and "Kohberger’s"), the one with the most weight behind it is returned.
    """
    keys = frozenset(keys)
    raw = [(kind, _text(value)) for kind, value in sources if _text(value)]
    cleaned = [(kind, strip_site_name(value, keys), value) for kind, value in raw]
    stated = {_key(value) for _, value, _ in cleaned}
    cleaned = [(kind, _without_section(value, stated) if value != whole else value) for kind, value, whole in cleaned]
    cleaned = [(kind, value) for kind, value in cleaned if _key(value)]
    if not cleaned:
        return None
    parts = [{_key(part) for part in _parts(value)} for _, value in cleaned]
    spellings: dict[str, dict[str, float]] = {}
    for kind, value in cleaned:
        weights = spellings.setdefault(_key(value), {})
        weights[value] = weights.get(value, 0.0) + _SOURCE_WEIGHTS.get(kind, 0.5)
    best, best_score = None, -1.0
    for key, weights in spellings.items():
        score = sum(_SOURCE_WEIGHTS.get(kind, 0.5) * (1.0 if _key(value) == key else _PART_SUPPORT if key in own else 0)
                    for (kind, value), own in zip(cleaned, parts, strict=True))
        score += min(max(len(value) for value in weights), 300) / 100_000  # ties: the fuller headline
        if score > best_score:
            best, best_score = max(weights, key=weights.__getitem__), score
    return best


def title(tree: HtmlElement, objects: list[dict[str, Any]], keys: Iterable[str], fallback: str | None) -> str | None:
    """The article's headline (see choose_title)."""
    return choose_title(title_sources(tree, objects, fallback), keys)


def title_sources(tree: HtmlElement, objects: list[dict[str, Any]],
                  fallback: str | None = None) -> list[tuple[str, str | None]]:
    """The page's headline candidates as (kind, raw value): JSON-LD headline, og:title,
    twitter:title, the first <h1>, <title>, and the fallback (trafilatura's title)."""
    articles = article_objects(objects)
    sources: list[tuple[str, str | None]] = []
    headline = next((obj["headline"] for obj in articles if isinstance(obj.get("headline"), str)), None)
    sources.append(("json-ld", headline))
    sources += [("og:title", value) for value in _meta(tree, "og:title")[:1]]
    sources += [("twitter:title", value) for value in _meta(tree, "twitter:title")[:1]]
    h1 = next(tree.iter("h1"), None)
    if h1 is not None:
        sources.append(("h1", h1.text_content()))
    page_title = tree.find(".//title")
    if page_title is not None:
        sources.append(("title", page_title.text_content()))
    sources.append(("fallback", fallback))
    return sources


# --- authors -----------------------------------------------------------------------------

_BYLINE_LABEL = re.compile(
    r"^(?:by|von|autor(?:in)?|author|por|par|di|door|av|af|od|text|texto|written by|reporting by)\b[:\s]*", re.I)
_NAME_JOINERS = re.compile(r"\s+(?:and|und|og|och|y|e|et|en|i|und von|&)\s+|\s*[;|]\s*", re.I)
_NOT_A_NAME = re.compile(r"https?://|www\.|@|\d{3,}")
_MAX_NAME_WORDS = 6
_SLUG = re.compile(r"^[a-z]+(?:-[a-z]+)+$")  # "chuck-ross": a profile URL's slug given as the name


def _person(entry: Any) -> tuple[str, bool] | None:
    """(name, is_person) of a JSON-LD author entry."""
    if isinstance(entry, str):
        return _text(entry), True
    if not isinstance(entry, dict):
        return None
    name = entry.get("name")
    if isinstance(name, list):
        name = " ".join(n for n in name if isinstance(n, str))
    if not isinstance(name, str) or not name.strip():
        parts = [entry.get("givenName"), entry.get("familyName")]
        name = " ".join(p for p in parts if isinstance(p, str))
    return _text(name), "Organization" not in " ".join(_types(entry))


_INNER_LABEL = re.compile(r"^.{1,40}?\s(?:By|Von|Por|Par)\s+(?=\S)")  # "Capital Von Jemima Kelly"


def split_names(raw: str) -> list[str]:
    """One byline string as names: labels dropped (also after a section name), split at
    'and'/'und'/commas/semicolons, 'Last, First' turned around, profile slugs spelt out."""
    raw = _INNER_LABEL.sub("", _BYLINE_LABEL.sub("", _text(raw)))
    names: list[str] = []
    for part in _NAME_JOINERS.split(raw):
        pieces = [piece.strip() for piece in part.split(",") if piece.strip()]
        if len(pieces) == 2 and all(len(piece.split()) == 1 for piece in pieces):
            pieces = [f"{pieces[1]} {pieces[0]}"]  # "Brazil, Rachel"
        names.extend(_BYLINE_LABEL.sub("", piece).strip(" .·-–—") for piece in pieces)
    names = [_SLUG.sub(lambda m: m.group(0).replace("-", " ").title(), name) for name in names]
    return [name for name in names if name and not _NOT_A_NAME.search(name) and len(name.split()) <= _MAX_NAME_WORDS]


_UNSPACED_NAME = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def looks_like_a_name(name: str) -> bool:
    """What a guessed byline must look like to be taken for a person: two or more words, each
    capitalised ('Jane Doe', 'María R. Sahuquillo', 'Ursula von der Leyen'), or a name in a
    script without capitals. 'Red', 'Agenturen', 'Quelle sid' are not."""
    if _UNSPACED_NAME.search(name):
        return True
    words = name.split()
    particles = {"von", "van", "der", "de", "da", "del", "di", "du", "la", "le", "bin", "al", "el", "ten", "zu"}
    return len(words) >= 2 and words[0][:1].isupper() and words[-1][:1].isupper() and all(
        word[:1].isupper() or word in particles for word in words)


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(name.casefold(), name)
    return tuple(seen.values())


def authors(tree: HtmlElement, objects: list[dict[str, Any]], fallback: Callable[[], str | None] | None = None,
            keys: Iterable[str] = ()) -> tuple[str, ...]:
    """People's names, from the first source that names a person: JSON-LD author, then the
    author <meta> tags, then the fallback (trafilatura's byline heuristics). A name that is
    the site's own (keys: site_keys) or a JSON-LD Organization is not a person; when no source
    names one, the organisation is returned (the outlet signed the story)."""
    keys = frozenset(keys)
    people: list[str] = []
    organisations: list[str] = []
    for obj in article_objects(objects):
        entries = obj.get("author")
        for entry in entries if isinstance(entries, list) else [entries]:
            found = _person(entry)
            if found and found[0]:
                (people if found[1] else organisations).append(found[0])
        if people or organisations:
            break  # the first article object is the page's own; later ones are teasers
    meta = _meta(tree, "author", "article:author", "dc.creator", "parsely-author", "sailthru.author")
    outlets: list[str] = []
    for source in (people, meta, None):
        guessed = source is None
        if guessed:  # computed only when needed: trafilatura's byline search is slow
            byline = fallback() if fallback else None
            source = (byline or "").split(";")
        names = _unique(name for raw in source for name in split_names(raw))
        persons = tuple(name for name in names if not (keys and is_site_name(name, keys))
                        and (not guessed or looks_like_a_name(name)))
        if persons:
            return persons
        outlets.extend(names)
    return _unique([*organisations, *outlets])


# --- date ----------------------------------------------------------------------------------

_DATE_META = ("article:published_time", "og:published_time", "datepublished", "pubdate", "publish-date",
              "dc.date.issued", "date")


def _iso(value: str) -> str | None:
    value = value.strip()
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return stamp.date().isoformat()
    return stamp.isoformat()


def published(tree: HtmlElement, objects: list[dict[str, Any]], fallback: str | None) -> str | None:
    """ISO 8601 publication date: the article's JSON-LD datePublished, else the meta tags,
    else the fallback (trafilatura's date)."""
    candidates = [obj.get("datePublished") for obj in article_objects(objects)]
    candidates += [obj.get("datePublished") for obj in objects]
    candidates += _meta(tree, *_DATE_META)
    for value in candidates:
        if isinstance(value, str) and (stamp := _iso(value)):
            return stamp
    return fallback

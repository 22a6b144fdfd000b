"""Page requisites: what a browser fetches to render a page (no Scrapy imports).

``page_requisites(html, url)`` lists, in document order and without repeats, the
stylesheets (``<link rel=stylesheet>``, ``<link rel=preload as=style|font|script|image>``),
scripts, images (``src``, every ``srcset`` / ``<picture><source>`` candidate up to
``max_candidates`` per image, lazy-loading attributes such as ``data-src`` and
``data-srcset``), ``poster``, icons, ``og:image`` / ``twitter:image``, one level of
``<iframe>`` (``iframes``), and everything the page's own CSS references (``<style>``
blocks and ``style`` attributes). ``css_requisites(text, url)`` lists what a stylesheet
references: ``@import`` and every ``url()`` (fonts, background images, …), parsed with
tinycss2, never with regular expressions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html
import tinycss2
from lxml import etree

# What kind of requisite a URL is: decides how its response is read (CSS is parsed for
# more requisites, an iframe's page for its own) and is counted in the stats.
STYLESHEET, SCRIPT, IMAGE, FONT, MEDIA, ICON, IFRAME, OTHER = (
    "stylesheet", "script", "image", "font", "media", "icon", "iframe", "other")

LAZY_SRC = ("data-src", "data-lazy-src", "data-original", "data-lazy", "data-url", "data-hi-res-src")
LAZY_SRCSET = ("data-srcset", "data-lazy-srcset")
ICON_RELS = {"icon", "shortcut", "apple-touch-icon", "apple-touch-icon-precomposed", "mask-icon"}
PRELOAD_KINDS = {"style": STYLESHEET, "script": SCRIPT, "font": FONT, "image": IMAGE}
IMAGE_META = {"og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"}
FONT_SUFFIXES = (".woff2", ".woff", ".ttf", ".otf", ".eot")


@dataclass(frozen=True)
class Requisite:
    url: str
    kind: str


def _absolute(base: str, value: str | None) -> str | None:
    value = (value or "").strip()
    if not value or value.startswith(("data:", "javascript:", "blob:", "about:", "mailto:", "#")):
        return None
    try:
        url = urldefrag(urljoin(base, value)).url
        scheme = urlsplit(url).scheme
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def srcset_urls(value: str | None) -> list[str]:
    """The URLs of a ``srcset`` (HTML's candidate parsing: a URL, then descriptors up to a comma)."""
    text, urls, position = value or "", [], 0
    while position < len(text):
        while position < len(text) and (text[position].isspace() or text[position] == ","):
            position += 1
        start = position
        while position < len(text) and not text[position].isspace():
            position += 1
        url = text[start:position]
        if url.endswith(","):  # "a.jpg," : no descriptors
            url = url.rstrip(",")
        else:
            while position < len(text) and text[position] != ",":  # descriptors
                position += 1
        if url:
            urls.append(url)
    return urls


def _css_strings(tokens: Iterable) -> Iterator[tuple[str, bool]]:
    """(URL, imported) for every url() in a token list, at any depth."""
    for token in tokens:
        kind = getattr(token, "type", None)
        if kind == "url":
            yield token.value, False
        elif kind == "function":
            name = token.lower_name
            if name in ("url", "src") or name.endswith("image-set"):
                for argument in token.arguments:
                    if argument.type == "string":
                        yield argument.value, False
            yield from _css_strings(token.arguments)
        elif kind in ("() block", "[] block", "{} block"):
            yield from _css_strings(token.content)


def _css_rules(rules: Iterable) -> Iterator[tuple[str, bool]]:
    for rule in rules:
        kind = getattr(rule, "type", None)
        if kind == "at-rule" and rule.lower_at_keyword == "import":
            for token in rule.prelude:
                if token.type in ("string", "url"):
                    yield token.value, True
                    break
                if token.type == "function" and token.lower_name == "url":
                    yield from ((value, True) for value, _ in _css_strings([token]))
                    break
        elif kind in ("at-rule", "qualified-rule"):
            yield from _css_strings(rule.prelude)
            if rule.content is not None:
                yield from _css_strings(rule.content)


def _css_kind(url: str, imported: bool) -> str:
    if imported:
        return STYLESHEET
    path = urlsplit(url).path.lower()
    return FONT if path.endswith(FONT_SUFFIXES) else IMAGE


def css_requisites(css: str | bytes, base_url: str) -> list[Requisite]:
    """What a stylesheet references: ``@import`` (a stylesheet) and every ``url()``."""
    if isinstance(css, bytes):
        rules, _encoding = tinycss2.parse_stylesheet_bytes(css, skip_comments=True, skip_whitespace=True)
    else:
        rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    return _unique(Requisite(url, _css_kind(url, imported)) for value, imported in _css_rules(rules)
                   if (url := _absolute(base_url, value)))


def inline_style_requisites(style: str, base_url: str) -> list[Requisite]:
    """What a ``style`` attribute references (declarations only)."""
    tokens = tinycss2.parse_component_value_list(style or "", skip_comments=True)
    return _unique(Requisite(url, _css_kind(url, False)) for value, _ in _css_strings(tokens)
                   if (url := _absolute(base_url, value)))


def _unique(requisites: Iterable[Requisite]) -> list[Requisite]:
    seen, out = set(), []
    for requisite in requisites:
        if requisite.url not in seen:
            seen.add(requisite.url)
            out.append(requisite)
    return out


def page_requisites(html: bytes | str, url: str, *, max_candidates: int = 8, iframes: bool = True) -> list[Requisite]:
    """What the page needs to render, in document order, each URL once (see the module doc)."""
    if not html or not (html.strip() if isinstance(html, str) else html.strip()):
        return []
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    base = url
    for element in root.iter("base"):
        if element.get("href"):
            base = urljoin(url, element.get("href").strip())
            break
    found: list[Requisite] = []

    def add(value: str | None, kind: str) -> None:
        absolute = _absolute(base, value)
        if absolute:
            found.append(Requisite(absolute, kind))

    def add_candidates(values: list[str | None], kind: str = IMAGE) -> None:
        # src first, then the srcset candidates: at most max_candidates per image
        taken = 0
        for value in values:
            if taken >= max_candidates:
                break
            absolute = _absolute(base, value)
            if absolute:
                found.append(Requisite(absolute, kind))
                taken += 1

    for element in root.iter(etree.Element):
        tag = element.tag if isinstance(element.tag, str) else ""
        tag = tag.lower()
        if tag == "link":
            rels = set((element.get("rel") or "").lower().split())
            href = element.get("href")
            if "stylesheet" in rels:
                add(href, STYLESHEET)
            elif rels & ICON_RELS:
                add(href, ICON)
            elif "preload" in rels and (element.get("as") or "").lower() in PRELOAD_KINDS:
                add(href, PRELOAD_KINDS[(element.get("as") or "").lower()])
            elif "modulepreload" in rels:
                add(href, SCRIPT)
            if element.get("imagesrcset"):
                add_candidates(srcset_urls(element.get("imagesrcset")))
        elif tag == "script":
            add(element.get("src"), SCRIPT)
        elif tag == "style":
            found.extend(css_requisites(element.text or "", base))
        elif tag in ("img", "source", "input") and (tag != "input" or (element.get("type") or "").lower() == "image"):
            values = [element.get("src"), *(element.get(a) for a in LAZY_SRC)]
            for attribute in ("srcset", *LAZY_SRCSET):
                values += srcset_urls(element.get(attribute))
            if tag == "source" and element.getparent() is not None and \
                    str(element.getparent().tag).lower() in ("video", "audio"):
                continue  # media files: not what renders the page
            add_candidates(values)
        elif tag == "video":
            add(element.get("poster"), IMAGE)
        elif tag == "meta":
            name = (element.get("property") or element.get("name") or "").lower()
            if name in IMAGE_META:
                add(element.get("content"), IMAGE)
        elif tag == "iframe" and iframes:
            add(element.get("src"), IFRAME)
        if tag in ("body", "table", "td", "th") and element.get("background"):
            add(element.get("background"), IMAGE)
        if element.get("style"):
            found.extend(inline_style_requisites(element.get("style"), base))
    return [r for r in _unique(found) if r.url != urldefrag(url).url]

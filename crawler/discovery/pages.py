"""Is this HTML page an article, or navigation (front page, section, tag page)?

Used by the link-following spider on sites without a usable article URL pattern. It has to be cheap (one
lxml parse, no extraction) and to err towards "not an article" on listings: archiving a front page as an
article is worse than missing a page, which the sitemaps and feeds usually find anyway.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

logger = logging.getLogger(__name__)

# schema.org Article types a news page may declare (NewsArticle and its subtypes, BlogPosting...)
ARTICLE_TYPES = frozenset(name.lower() for name in (
    "Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
    "BackgroundNewsArticle", "ReviewNewsArticle", "AskPublicNewsArticle", "BlogPosting", "LiveBlogPosting",
))
CONTENT_XPATH = "//article | //main | //*[@role='main'] | //*[@itemprop='articleBody']"
MAX_LINK_DENSITY = 0.5  # link text / all text of the content element; above: a list of links
DOMINANT_SHARE = 0.5  # with several <article>s, the article's text must be this share of all their text
MIN_LINKED_HEADINGS = 3  # this many headings that are links, one per couple of paragraphs: teasers
MAX_JSON_LD_SIZE = 1024 * 1024
MAX_JSON_DEPTH = 8


def is_article_page(html: bytes, url: str = "", *, min_chars: int = 500) -> bool:
    """True when the page declares itself an article (og:type, JSON-LD), or else has an article-sized
    content element (paragraph text >= min_chars) that is not mostly links nor a list of teasers.

    A URL whose path is "/" (a front page) is never an article.
    """
    if url and urlsplit(url).path in ("", "/"):
        return False
    try:
        document = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):  # empty or undecodable
        return False
    if _declares_article(document):
        logger.debug("article page by its metadata: %s", url)
        return True
    for element in list(document.iter("script", "style", "noscript", "template", etree.Comment)):
        element.drop_tree()  # not text a reader sees
    return _has_article_content(document, url, min_chars)


def _declares_article(document: lxml.html.HtmlElement) -> bool:
    og_types = document.xpath("//meta[@property='og:type' or @name='og:type']/@content")
    if any(og_type.strip().lower() == "article" for og_type in og_types):
        return True
    for script in document.xpath("//script[@type='application/ld+json']"):
        text = script.text or ""
        if len(text) > MAX_JSON_LD_SIZE:
            continue
        try:
            data = json.loads(text, strict=False)  # strict=False: raw newlines in strings are common
        except ValueError:
            continue
        if _json_ld_is_article(data, 0):
            return True
    return False


def _json_ld_is_article(value: object, depth: int) -> bool:
    """An Article type at the top level, in a list or @graph, or as a WebPage's mainEntity.

    Not deeper: a front page's ItemList of NewsArticles must not make it an article.
    """
    if depth > MAX_JSON_DEPTH:
        return False
    if isinstance(value, list):
        return any(_json_ld_is_article(item, depth + 1) for item in value)
    if not isinstance(value, dict):
        return False
    types = value.get("@type")
    for type_name in [types] if isinstance(types, str) else types if isinstance(types, list) else []:
        # "NewsArticle", "schema:NewsArticle" or "https://schema.org/NewsArticle"
        if isinstance(type_name, str) and type_name.replace(":", "/").rsplit("/", 1)[-1].lower() in ARTICLE_TYPES:
            return True
    return any(_json_ld_is_article(value.get(key), depth + 1) for key in ("@graph", "mainEntity"))


def _has_article_content(document: lxml.html.HtmlElement, url: str, min_chars: int) -> bool:
    paragraph_chars = {paragraph: _text_length(paragraph) for paragraph in document.iter("p")}
    candidates = document.xpath(CONTENT_XPATH)
    fallback = _densest_paragraph_parent(paragraph_chars)
    if fallback is not None:
        candidates.append(fallback)
    own_chars = {candidate: _own_paragraph_chars(candidate, paragraph_chars) for candidate in candidates}
    all_article_chars = sum(chars for candidate, chars in own_chars.items() if candidate.tag == "article")
    article_count = sum(1 for candidate in candidates if candidate.tag == "article")
    for candidate, chars in own_chars.items():
        if chars < min_chars:
            continue
        if article_count > 1 and candidate.tag == "article" and chars < DOMINANT_SHARE * all_article_chars:
            continue  # one long teaser among many
        if _link_density(candidate) > MAX_LINK_DENSITY:
            continue
        if _is_teaser_list(candidate):
            continue
        logger.debug("article page by its <%s> content (%d chars): %s", candidate.tag, chars, url)
        return True
    return False


def _own_paragraph_chars(container: lxml.html.HtmlElement, paragraph_chars: dict) -> int:
    """Paragraph text of the container, leaving out <article>s nested in it (teasers, comments)."""
    total = 0
    for paragraph in container.iter("p"):
        nearest_article = next(paragraph.iterancestors("article"), None)
        if nearest_article is None or nearest_article is container or not _contains(container, nearest_article):
            total += paragraph_chars.get(paragraph, 0)
    return total


def _contains(ancestor: lxml.html.HtmlElement, element: lxml.html.HtmlElement) -> bool:
    return any(parent is ancestor for parent in element.iterancestors())


def _densest_paragraph_parent(paragraph_chars: dict) -> lxml.html.HtmlElement | None:
    """The element whose child paragraphs hold the most text: the content of a page without <article>."""
    by_parent: dict[lxml.html.HtmlElement, int] = {}
    for paragraph, chars in paragraph_chars.items():
        parent = paragraph.getparent()
        if parent is not None:
            by_parent[parent] = by_parent.get(parent, 0) + chars
    return max(by_parent, key=by_parent.__getitem__, default=None)


def _link_density(element: lxml.html.HtmlElement) -> float:
    total = _text_length(element)
    if not total:
        return 1.0
    linked = sum(_text_length(link) for link in element.iter("a") if next(link.iterancestors("a"), None) is None)
    return linked / total


def _is_teaser_list(element: lxml.html.HtmlElement) -> bool:
    """Many headings that are links, about one per paragraph: headline + summary teasers."""
    headings = [heading for heading in element.iter("h1", "h2", "h3", "h4", "h5", "h6")
                if heading.find(".//a[@href]") is not None or next(heading.iterancestors("a"), None) is not None]
    paragraphs = sum(1 for _ in element.iter("p"))
    return len(headings) >= MIN_LINKED_HEADINGS and 2 * len(headings) >= paragraphs


def _text_length(element: lxml.html.HtmlElement) -> int:
    return len(" ".join(element.text_content().split()))

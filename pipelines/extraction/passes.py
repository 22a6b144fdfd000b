"""trafilatura's extraction passes over one parsed page, sharing the parse and the cleaning.

``trafilatura.bare_extraction`` parses and cleans the page again on every call. The extractor
(pipelines.extract) wants several of trafilatura's opinions on the same page — its precision
and balanced passes on every page, its readability and jusText rescues on the few pages where
those two fail — so this module runs the steps of ``trafilatura.core.trafilatura_sequence``
itself, on one tree:

1. parse once (``load_html``); page metadata is read from this raw tree;
2. prune what trafilatura prunes before every pass (comments are never wanted);
3. clean and convert once (balanced settings), then run trafilatura's main extractor twice,
   on two copies: balanced, and precision (which first prunes comment sections, as
   trafilatura's precision mode does);
4. on demand only: readability (on the raw pruned tree) and jusText (on the cleaned,
   unconverted tree), as trafilatura's ``compare_extraction`` runs them.

Pure: no Scrapy. Uses trafilatura internals of the 2.x line (``pyproject.toml`` pins
``trafilatura<3``); if they are missing, every pass falls back to a ``bare_extraction`` call
with the same settings (slower, same text).
"""

from __future__ import annotations

import logging
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

import trafilatura
from lxml.etree import XPath, _Element
from lxml.html import HtmlElement

logger = logging.getLogger(__name__)

try:  # trafilatura 2.x internals
    from htmldate import find_date
    from trafilatura.core import _prepare_tree
    from trafilatura.external import justext_rescue, sanitize_tree, try_readability
    from trafilatura.htmlprocessing import prune_unwanted_nodes
    from trafilatura.main_extractor import extract_content
    from trafilatura.metadata import (
        Document,
        examine_meta,
        extract_author,
        extract_sitename,
        extract_title,
        extract_url,
        set_date_params,
    )
    from trafilatura.settings import Extractor
    from trafilatura.utils import load_html
    from trafilatura.xpaths import RAW_TREE_PRUNE_XPATH, REMOVE_COMMENTS_AND_LISTS_XPATH, REMOVE_COMMENTS_XPATH

    INTERNALS = True
except ImportError:  # pragma: no cover - another trafilatura layout
    INTERNALS = False


def _options(url: str | None, *, precision: bool = False, fast: bool = True) -> Extractor:
    # Tables on, links and images off, no comments: with links kept, trafilatura 2.3 loses the
    # text before a link in some paragraphs (measured on the article-extraction benchmark).
    return Extractor(fast=fast, precision=precision, comments=False, tables=True, links=False, images=False,
                     url=url, output_format="xml")


@dataclass
class PagePasses:
    """What trafilatura finds on one page. ``tree`` is the raw parsed page (read-only: the
    passes work on copies); bodies are trafilatura XML (``<body><p>…``) or None."""

    tree: HtmlElement | None
    metadata: Any  # trafilatura.metadata.Document (title, author, date, url, sitename, description)
    precision: _Element | None
    balanced: _Element | None
    _raw: HtmlElement | None = field(default=None, repr=False)  # pruned raw tree, for readability
    _unconverted: HtmlElement | None = field(default=None, repr=False)  # cleaned tree, for jusText
    _html: bytes | str | None = field(default=None, repr=False)
    _url: str | None = field(default=None, repr=False)
    _prune: tuple[str, ...] = field(default=(), repr=False)
    _rescues: dict[str, _Element | None] = field(default_factory=dict, repr=False)
    _lazy: dict[str, str | None] = field(default_factory=dict, repr=False)

    def byline(self) -> str | None:
        """trafilatura's byline heuristics (authors "; "-joined), for pages that name no author
        in their structured data; computed on demand."""
        if "byline" not in self._lazy:
            self._lazy["byline"] = getattr(self.metadata, "author", None) if not INTERNALS else (
                _safely(extract_author, self.tree) if self.tree is not None else None)
        return self._lazy["byline"]

    def date(self) -> str | None:
        """htmldate's publication date (YYYY-MM-DD), for pages whose structured data gives
        none; computed on demand."""
        if "date" not in self._lazy:
            if INTERNALS and self.tree is not None:
                params = {**set_date_params(False), "url": getattr(self.metadata, "url", None)}
                self._lazy["date"] = _safely(find_date, self.tree, **params)
            else:
                self._lazy["date"] = getattr(self.metadata, "date", None)
        return self._lazy["date"]

    def readability(self) -> _Element | None:
        """trafilatura's readability port on the page, as its own XML (computed once)."""
        if "readability" not in self._rescues:
            self._rescues["readability"] = self._readability()
        return self._rescues["readability"]

    def justext(self) -> _Element | None:
        """jusText's paragraphs of the page, as trafilatura XML (computed once)."""
        if "justext" not in self._rescues:
            self._rescues["justext"] = self._justext()
        return self._rescues["justext"]

    def _readability(self) -> _Element | None:
        if not INTERNALS:  # trafilatura with its own readability/jusText comparison
            return _bare_body(self._html, self._url, self._prune, fast=False) if self._html is not None else None
        if self._raw is None:
            return None
        try:
            body, _ = sanitize_tree(try_readability(deepcopy(self._raw)), _options(self._url))
        except Exception as error:  # noqa: BLE001 - a rescue must never fail the page
            logger.debug("readability failed: %s", error)
            return None
        return body

    def _justext(self) -> _Element | None:
        if not INTERNALS or self._unconverted is None:
            return None
        try:
            body, _ = justext_rescue(deepcopy(self._unconverted), _options(self._url))
        except Exception as error:  # noqa: BLE001
            logger.debug("justext failed: %s", error)
            return None
        return body


def _safely(function: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return function(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 - a metadata fallback must never fail the page
        logger.debug("%s failed: %s", getattr(function, "__name__", function), error)
        return None


def page_metadata(tree: HtmlElement, url: str | None) -> Document:
    """The cheap part of trafilatura's metadata: <meta> tags (title, description, site name,
    canonical URL), the <title>/<h1> title and the URL. JSON-LD is read by pipelines.metadata;
    the byline heuristics and htmldate's date search only run when the page's structured data
    gives no author or date (PagePasses.byline(), .date())."""
    document = examine_meta(tree)
    if document.author and " " not in document.author:
        document.author = None  # as trafilatura: a one-word "author" meta is a handle or a site
    if not document.title:
        document.title = extract_title(tree)
    if not document.url:
        document.url = extract_url(tree, url)
    if not document.sitename:
        document.sitename = extract_sitename(tree)
    if document.sitename:
        document.sitename = document.sitename.lstrip("@")
    document.clean_and_trim()
    return document


def _bare_body(html: bytes | str | None, url: str | None, prune: tuple[str, ...], *, fast: bool,
               precision: bool = False) -> _Element | None:
    document = trafilatura.bare_extraction(
        html, url=url, fast=fast, favor_precision=precision, include_comments=False, include_tables=True,
        include_links=False, include_images=False, output_format="xml", prune_xpath=list(prune) or None)
    return document.body if document is not None else None


def run(html: bytes | str, url: str | None, prune_xpaths: tuple[str, ...] = ()) -> PagePasses:
    """Parse the page once and run trafilatura's precision and balanced passes on it."""
    if not INTERNALS:
        document = trafilatura.bare_extraction(html, url=url, with_metadata=True, fast=True, include_comments=False,
                                               output_format="xml")
        if document is None:
            return PagePasses(None, None, None, None)
        return PagePasses(trafilatura.load_html(html), document,
                          _bare_body(html, url, prune_xpaths, fast=True, precision=True),
                          _bare_body(html, url, prune_xpaths, fast=True), _html=html, _url=url, _prune=prune_xpaths)
    tree = load_html(html)
    if tree is None:
        return PagePasses(None, None, None, None)
    # Bytes go to load_html as they are: it decodes UTF-8 directly and otherwise lets
    # charset_normalizer decide, which tries the page's own <meta charset> first.
    metadata = page_metadata(tree, url)  # reads the tree, never changes it
    work = deepcopy(tree)  # the raw tree stays intact for the metadata and structure rules
    if prune_xpaths:
        work = prune_unwanted_nodes(work, [XPath(x) for x in prune_xpaths])
    work = prune_unwanted_nodes(work, RAW_TREE_PRUNE_XPATH)
    work = prune_unwanted_nodes(work, REMOVE_COMMENTS_AND_LISTS_XPATH)
    page_url = url or metadata.url
    balanced_options = _options(page_url)
    try:
        cleaned, unconverted = _prepare_tree(work, balanced_options, page_url)
        precision_tree = prune_unwanted_nodes(deepcopy(cleaned), REMOVE_COMMENTS_XPATH)
        balanced, _ = extract_content(cleaned, balanced_options)
        precision, _ = extract_content(precision_tree, _options(page_url, precision=True))
    except (TypeError, ValueError) as error:  # what bare_extraction treats as "no text" too
        logger.debug("trafilatura's passes failed on %s: %s", page_url, error)
        return PagePasses(tree, metadata, None, None, _raw=work, _html=html, _url=page_url)
    return PagePasses(tree, metadata, precision, balanced, _raw=work, _unconverted=unconverted, _html=html,
                      _url=page_url)

"""crawler.discovery.pages.is_article_page: article pages versus front pages, sections and tag pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.discovery.pages import is_article_page

DATA = Path(__file__).parent / "discovery_data"
ARTICLE_URL = "https://news.example.com/2024/01/05/budget-vote"
SECTION_URL = "https://news.example.com/politics/"

PARAGRAPH = ("The finance committee spent most of the week arguing over the regional transfers, and the final "
             "text leaves the largest regions with less than they asked for. ")  # 150 characters
NAV = "<header><nav>" + "".join(f'<a href="/s-{n}">Section number {n}</a> ' for n in range(30)) + "</nav></header>"
FOOTER = "<footer>" + "".join(f'<a href="/about-{n}">About page {n}</a> ' for n in range(20)) + "</footer>"


def page(body: str, head: str = "") -> bytes:
    return f"<!DOCTYPE html><html><head><title>t</title>{head}</head><body>{NAV}{body}{FOOTER}</body></html>".encode()


def paragraphs(count: int, text: str = PARAGRAPH) -> str:
    return "".join(f"<p>{text}</p>" for _ in range(count))


def teaser(number: int, summary_paragraphs: int = 1) -> str:
    return (f'<article class="teaser"><h2><a href="/2024/01/0{number % 9 + 1}/story-{number}">Headline of story '
            f"{number}</a></h2>{paragraphs(summary_paragraphs)}</article>")


def json_ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


# --- pages that say they are articles

def test_og_type_article():
    assert is_article_page(page("<p>short</p>", '<meta property="og:type" content=" Article ">'), ARTICLE_URL)


@pytest.mark.parametrize("data", [
    {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "x"},
    {"@type": "ReportageNewsArticle"},
    {"@type": "BlogPosting"},
    {"@type": ["Article", "Thing"]},
    {"@type": "https://schema.org/NewsArticle"},
    [{"@type": "Organization"}, {"@type": "Article"}],
    {"@context": "https://schema.org", "@graph": [{"@type": "WebSite"}, {"@type": "NewsArticle"}]},
    {"@type": "WebPage", "mainEntity": {"@type": "NewsArticle"}},
])
def test_json_ld_article_types(data):
    assert is_article_page(page("<p>short</p>", json_ld(data)), ARTICLE_URL)


@pytest.mark.parametrize("data", [
    {"@type": "WebPage"},
    {"@type": "CollectionPage", "mainEntity": {"@type": "ItemList"}},
    {"@type": "ItemList", "itemListElement": [{"@type": "NewsArticle"}, {"@type": "NewsArticle"}]},
    {"@graph": [{"@type": "WebSite", "publisher": {"@type": "NewsMediaOrganization"}}]},
])
def test_json_ld_that_is_not_an_article(data):
    assert not is_article_page(page("<p>short</p>", json_ld(data)), SECTION_URL)


def test_broken_json_ld_and_og_type_website_are_not_declarations():
    head = '<meta property="og:type" content="website"><script type="application/ld+json">{"@type": </script>'
    assert not is_article_page(page("<p>short</p>", head), SECTION_URL)


# --- the content test

def test_article_by_content_without_metadata():
    body = f"<main><article><h1>Budget passes</h1>{paragraphs(5)}</article></main>"
    assert is_article_page(page(body), ARTICLE_URL)


def test_min_chars_is_the_threshold():
    body = f"<article><h1>Short piece</h1>{paragraphs(3)}</article>"  # 3 x 150 = 450 characters
    assert not is_article_page(page(body), ARTICLE_URL)
    assert is_article_page(page(body), ARTICLE_URL, min_chars=400)


def test_article_without_article_or_main_element_uses_the_densest_paragraph_block():
    body = f'<div class="layout"><div class="story-body"><h1>Budget</h1>{paragraphs(5)}</div></div>'
    assert is_article_page(page(body), ARTICLE_URL)


def test_article_with_related_teasers_and_nested_comments_is_an_article():
    related = "<aside>" + "".join(teaser(n) for n in range(4)) + "</aside>"
    comments = "".join(f'<article class="comment"><p>Comment {n}: I disagree.</p></article>' for n in range(5))
    body = f"<main><article><h1>Budget</h1>{paragraphs(6)}<section>{comments}</section></article>{related}</main>"
    assert is_article_page(page(body), ARTICLE_URL)


def test_front_page_with_many_teasers_in_article_tags():
    body = "<main>" + "".join(teaser(n) for n in range(24)) + "</main>"
    assert not is_article_page(page(body), "https://news.example.com/")
    assert not is_article_page(page(body), SECTION_URL)  # not only because of the URL


def test_section_page_with_one_long_lead_teaser_among_many():
    body = "<main>" + teaser(0, summary_paragraphs=4) + "".join(teaser(n) for n in range(1, 15)) + "</main>"
    assert not is_article_page(page(body), SECTION_URL)


def test_section_page_with_teasers_in_divs():
    teasers = "".join(f'<div class="item"><h3><a href="/story-{n}">Headline {n}</a></h3><p>{PARAGRAPH}</p></div>'
                      for n in range(15))
    assert not is_article_page(page(f'<div class="list">{teasers}</div>'), SECTION_URL)


def test_listing_of_headline_links_and_summaries_in_one_block():
    items = "".join(f'<h3><a href="/story-{n}">Headline {n}</a></h3><p>{PARAGRAPH}</p>' for n in range(10))
    assert not is_article_page(page(f"<main>{items}</main>"), SECTION_URL)


def test_content_that_is_mostly_links():
    linked = "".join(f'<p><a href="/s{n}">{PARAGRAPH}</a></p>' for n in range(5))
    assert not is_article_page(page(f"<article>{linked}</article>"), SECTION_URL)


def test_tag_page_file():
    assert not is_article_page((DATA / "tag_page.html").read_bytes(), "https://news.example.com/tag/budget/")


def test_article_page_file():
    assert is_article_page((DATA / "article_page.html").read_bytes(), ARTICLE_URL)


def test_front_page_url_is_never_an_article():
    declared = page(f"<article>{paragraphs(6)}</article>", '<meta property="og:type" content="article">')
    assert not is_article_page(declared, "https://news.example.com/")
    assert is_article_page(declared, ARTICLE_URL)


def test_script_and_style_text_do_not_count():
    script = "<script>var s = '" + "x" * 2000 + "';</script><style>p{}" + "y" * 2000 + "</style>"
    assert not is_article_page(page(f"<article><p>tiny</p>{script}</article>"), ARTICLE_URL)


@pytest.mark.parametrize("html", [b"", b"   ", b"\x00\xff\xfe"])
def test_empty_or_junk_is_not_an_article(html):
    assert not is_article_page(html, ARTICLE_URL)

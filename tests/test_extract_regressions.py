"""Regression pages for issue 14, written for the project (tests/pages/issue14/): each failure
mode the issue names, as text that must be present and junk that must be absent."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree, html

from pipelines.extraction import extract, passes
from pipelines.extraction.extract import ExtractedArticle, extract_article

PAGES = Path(__file__).resolve().parent / "pages" / "issue14"


def _article(name: str) -> ExtractedArticle:
    article = extract_article((PAGES / f"{name}.html").read_bytes(), f"https://gazette.example/{name}")
    assert article is not None
    return article


def _blocks(article: ExtractedArticle) -> list[str]:
    return article.text.split("\n\n")


def test_cjk_article() -> None:
    article = _article("cjk_article")
    blocks = _blocks(article)
    assert blocks[0].startswith("北港市は十四日、市内の造船所で建造していた新しい砕氷船が")
    assert "漁業関係者は歓迎" in blocks  # the subheading, as its own block
    assert blocks[-1].startswith("市は今後、観光客向けに砕氷船の見学会を開く")
    assert len(blocks) == 5
    assert "2024年11月14日 09時30分" not in article.text  # the date line under the headline
    assert "トップ" not in article.text and "Copyright" not in article.text
    assert article.title == "港の新しい砕氷船、来月から運航へ"  # without "：北港新聞デジタル"
    assert article.authors == ("山田花子",)
    assert article.published == "2024-11-14T09:30:00+09:00"
    assert article.language == "ja"


def test_h3_after_an_embedded_widget() -> None:
    blocks = _blocks(_article("h3_after_embed"))
    assert "Timetable changes from December" in blocks
    heading = '"We will not raise the fares this winter"'
    assert heading in blocks  # a subheading quoting the paragraph below it is still a subheading
    assert blocks[blocks.index(heading) + 1].startswith('"We will not raise the fares this winter, whatever')
    assert not any("Poll:" in block or "Video:" in block for block in blocks)


def test_pull_quote_repeating_a_paragraph() -> None:
    article = _article("pull_quote")
    paragraph = ('"The sea never let me forget that the light was there for someone else, for a boat I would never '
                 'see," she said, standing by the lantern room window as the relief keeper unpacked his bags below.')
    assert paragraph in _blocks(article)  # the paragraph in full
    assert article.text.count("The sea never let me forget") == 1  # the pull quotes before and after it, not again
    assert _blocks(article)[-1].startswith("Ruud plans to move to her sister's farm")


def test_lead_paragraph_restated_later() -> None:
    blocks = _blocks(_article("lead_restated"))
    assert blocks[0] == "The regional council approved a second bridge across the fjord on Tuesday."
    assert blocks[1].startswith("After a debate that lasted into the evening, the regional council approved")
    assert len(blocks) == 5


def test_title_with_a_site_suffix() -> None:
    article = _article("site_suffix_title")
    assert article.title == "Hafen investiert in Landstrom für Kreuzfahrtschiffe"
    assert article.site_name == "Küsten-Zeitung"
    assert article.authors == ("Jana Berger",) and article.author == "Jana Berger"
    assert article.published == "2024-05-02T07:15:00+02:00"
    blocks = _blocks(article)
    assert blocks[0].startswith("Der Hafen will bis zum Sommer drei Liegeplätze")
    assert "Von Jana Berger" not in blocks  # the byline
    assert "Fehler gefunden? Jetzt melden." not in blocks
    assert "Hafen investiert in Landstrom für Kreuzfahrtschiffe" not in blocks  # the headline again


# --- a body cut out of its <article> -------------------------------------------------------

STORY = [f"Paragraph {n} of the harbour story: the pilots worked through the night to free the trapped ships "
         f"and the tugs came from Murmansk at dawn." for n in range(8)]


def _cut_page(extra: str) -> str:
    # An ad block between paragraphs 2 and 3 closes the first body <div> early.
    first, rest = "".join(f"<p>{p}</p>" for p in STORY[:2]), "".join(f"<p>{p}</p>" for p in STORY[2:])
    return f"<html><body><article><div class='body'>{first}</div><div class='ad'>Advertisement</div>" \
           f"<div class='body'>{rest}</div></article>{extra}</body></html>"


def _found(page: str, readability: list[str]) -> passes.PagePasses:
    def body(paragraphs: list[str]) -> etree._Element:
        element = etree.Element("body")
        for text in paragraphs:
            etree.SubElement(element, "p").text = text
        return element

    found = passes.PagePasses(html.fromstring(page), None, body(STORY[:2]), body(STORY[:2]))
    found._rescues.update(readability=body(readability), justext=None)
    return found


def test_body_cut_from_its_article_takes_the_rescue() -> None:
    found = _found(_cut_page(""), STORY)
    assert [block.text for block in extract.choose_body(found)] == STORY


@pytest.mark.parametrize("teasers", [
    # the longer rescue is teasers outside the <article>: the short body stands
    "<aside>" + "".join(f"<p>Teaser {n}: the harbour master says the ice will return next week "
                        f"and the ferries may stop again for days.</p>" for n in range(12)) + "</aside>",
])
def test_body_whose_article_has_no_more_text_stands(teasers: str) -> None:
    page = f"<html><body><article><div class='body'>{''.join(f'<p>{p}</p>' for p in STORY[:2])}</div></article>" \
           f"{teasers}</body></html>"
    found = _found(page, STORY[:2] + [f"Teaser {n}: the harbour master says the ice will return." for n in range(12)])
    assert [block.text for block in extract.choose_body(found)] == STORY[:2]

"""Tests for pipelines.extraction.extract: golden fixture pages, metadata, charset, junk and furniture."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType

import pytest

from pipelines.extraction import extract
from pipelines.extraction.extract import ExtractedArticle, SiteRules, extract_article, looks_like_html
from pipelines.extraction.learner import RepeatedLineLearner

PAGES_DIR = Path(__file__).resolve().parent / "pages"


def _load_module(name: str) -> ModuleType:
    # tests/pages is not a package; load by path so the lead's test layout can change freely
    spec = importlib.util.spec_from_file_location(name, PAGES_DIR / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


golden = _load_module("golden")
CASES = {case.name: case for case in golden.CASES}


def _extract(name: str, **kwargs) -> ExtractedArticle | None:
    case = CASES[name]
    return extract_article(case.page_path.read_bytes(), case.url, **kwargs)


@pytest.fixture(scope="module")
def moscow_times() -> ExtractedArticle:
    article = _extract("moscow_times_icebreaker")
    assert article is not None
    return article


@pytest.fixture(scope="module")
def trt_world() -> ExtractedArticle:
    article = _extract("trt_world_icebreaker", repeated_lines=CASES["trt_world_icebreaker"].site_furniture)
    assert article is not None
    return article


# --- golden pages -----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_page(name: str) -> None:
    case = CASES[name]
    expected = case.expected_path.read_text(encoding="utf-8")
    article = extract_article(case.page_path.read_bytes(), case.url, repeated_lines=case.site_furniture)
    text = article.text if article else ""
    assert golden.golden_problems(case, text, expected) == []


@pytest.mark.parametrize("name", ["moscow_times_icebreaker", "trt_world_icebreaker", "onega_cp1251_bridge"])
def test_golden_expectations_are_not_empty(name: str) -> None:
    assert len(golden.paragraphs(CASES[name].expected_path.read_text(encoding="utf-8"))) >= 5


def test_golden_check_catches_missing_reordered_and_junk() -> None:
    case = CASES["trt_world_icebreaker"]
    assert golden.golden_problems(case, "B\n\nA", "A\n\nB") == ["missing or out of order: 'B'"]
    assert golden.golden_problems(case, "A\n\nAP\n\nB", "A\n\nB") == ["junk line present: 'AP'"]
    assert golden.golden_problems(case, "A READ MORE: x\n\nB", "A READ MORE: x\n\nB") == [
        "junk substring present: 'READ MORE'"
    ]
    assert golden.golden_problems(case, "A\n\nB\n\nA", "A\n\nB") == ["paragraph repeated: 'A'"]


def test_regenerate_refuses_to_loosen_expectations(monkeypatch, capsys) -> None:
    regenerate = _load_module("regenerate")
    case = CASES["moscow_times_icebreaker"]
    before = case.expected_path.read_bytes()

    def drops_a_paragraph(html, url=None, **kwargs):
        article = extract_article(html, url, **kwargs)
        return article and ExtractedArticle(**{**article.as_dict(), "text": article.text.split("\n\n", 1)[1]})

    monkeypatch.setattr(regenerate, "extract_article", drops_a_paragraph)
    assert regenerate.main([case.name]) == 1
    assert case.expected_path.read_bytes() == before
    out = capsys.readouterr().out
    assert "refusing to write" in out and "missing or out of order" in out and "\n-A shipyard" in out


def test_regenerate_is_a_no_op_on_current_output(capsys) -> None:
    regenerate = _load_module("regenerate")
    assert regenerate.main(["--check"]) == 0
    assert "written" not in capsys.readouterr().out


# --- text format and content ------------------------------------------------------------


@pytest.mark.parametrize("name", ["moscow_times_icebreaker", "trt_world_icebreaker", "onega_cp1251_bridge"])
def test_text_format(name: str) -> None:
    article = _extract(name)
    assert article is not None
    assert article.text == article.text.strip()
    assert "\n\n\n" not in article.text
    assert all(line == line.strip() for line in article.text.split("\n"))
    assert not article.text.startswith(article.title or "\x00")


def test_subheadings_quotes_and_list_items_are_own_paragraphs(moscow_times: ExtractedArticle) -> None:
    blocks = moscow_times.text.split("\n\n")
    assert "Loading the ship" in blocks
    assert "Doubts over reliability" in blocks
    assert blocks.index("Loading the ship") < blocks.index("Doubts over reliability")
    assert any(block.startswith('"We paid for the delay') for block in blocks)
    assert "how quickly spare parts can reach a ship working far from the nearest port;" in blocks
    assert any(block.startswith("Related to this, the port authority") for block in blocks)


def test_trt_repeats_are_kept_once(trt_world: ExtractedArticle) -> None:
    standfirst = (
        "Shipyard in Arkhangelsk says the vessel is the first of its class built without a single imported engine part."
    )
    caption = "The icebreaker was moored at the outfitting quay in Arkhangelsk after the launch ceremony."
    assert trt_world.description == standfirst
    assert trt_world.text.count(standfirst) == 1
    assert trt_world.text.count(caption) == 1
    assert "Loading the ship" in trt_world.text.split("\n\n")


def test_route_6_needs_the_learned_furniture() -> None:
    # Honest check that the golden case depends on furniture learning, not on luck.
    without = _extract("trt_world_icebreaker")
    assert without is not None and "Route 6" in without.text.split("\n\n")


def _host_page(n: int) -> bytes:
    body = "".join(
        f"<p>Harbour report {n}, part {k}: pilots counted {n * 7 + k} vessels waiting at the outer anchorage.</p>"
        for k in range(4)
    )
    return (
        f"<html lang='en'><head><title>Harbour report {n}</title></head><body><article><h1>Harbour report {n}</h1>"
        f"{body}<div class='c-strip'><p>Route 6</p></div></article></body></html>"
    ).encode()


def test_learner_on_host_pages_removes_furniture_from_trt_page() -> None:
    learner = RepeatedLineLearner(min_pages=3)
    host = "www.trtworld.com"
    for n in range(3):
        article = extract_article(_host_page(n), f"https://{host}/europe/harbour-{n}")
        assert article is not None and "Route 6" in article.text
        learner.observe(host, article.text.split("\n\n"), page_key=f"https://{host}/europe/harbour-{n}")
    assert "route 6" in learner.repeated(host)
    assert learner.repeated("www.themoscowtimes.com") == frozenset()
    cleaned = _extract("trt_world_icebreaker", repeated_lines=learner.repeated(host))
    assert cleaned is not None
    assert "Route 6" not in cleaned.text
    assert "Loading the ship" in cleaned.text


def test_site_rules_prune_xpath_and_junk_pattern() -> None:
    plain = _extract("moscow_times_icebreaker")
    assert plain is not None and "Doubts over reliability" in plain.text
    rules = SiteRules(prune_xpaths=("//blockquote",), junk_patterns=(r"(?i)doubts over .*",))
    article = _extract("moscow_times_icebreaker", site_rules=rules)
    assert article is not None
    assert "Doubts over reliability" not in article.text
    assert "We paid for the delay" not in article.text
    assert "Independent maritime analysts" in article.text


NEAR_MISS_PAGE = """<!DOCTYPE html><html lang="en"><head><title>Port news</title></head><body><article>
<h1>Port news</h1>
<p>Readers who want to read more about the shipyard's history can visit its small museum on the quay.</p>
<h2>Loading the ship</h2>
<p>Related to this, the port authority asked the ministry for additional funds to dredge the channel.</p>
<p>"Advertisement revenue fell by a third last year," the publisher of the local newspaper said on Monday.</p>
<p>Advertisement</p>
<p>Loading...</p>
<p>The harbour master said pilots would work double shifts until the ice cleared from the outer channel.</p>
</article></body></html>"""


def test_near_misses_survive_full_extraction() -> None:
    article = extract_article(NEAR_MISS_PAGE)
    assert article is not None
    blocks = article.text.split("\n\n")
    assert blocks == [
        "Readers who want to read more about the shipyard's history can visit its small museum on the quay.",
        "Loading the ship",
        "Related to this, the port authority asked the ministry for additional funds to dredge the channel.",
        '"Advertisement revenue fell by a third last year," the publisher of the local newspaper said on Monday.',
        "The harbour master said pilots would work double shifts until the ice cleared from the outer channel.",
    ]


def test_section_index_is_not_an_article() -> None:
    assert _extract("section_index_business") is None


@pytest.mark.parametrize(
    "html", ["", "<html><body></body></html>", "<html><body><p>Advertisement</p><p>Share</p></body></html>"]
)
def test_empty_or_all_junk_pages_give_none(html: str) -> None:
    assert extract_article(html) is None


# --- metadata ----------------------------------------------------------------------


def test_moscow_times_metadata(moscow_times: ExtractedArticle) -> None:
    assert moscow_times.title == "Arkhangelsk Shipyard Launches Icebreaker Built on Russian Engines"
    assert moscow_times.author == "Yelena Markova"
    assert moscow_times.published == "2023-11-14T13:05:00+03:00"
    assert moscow_times.language == "en"
    assert moscow_times.canonical_url == CASES["moscow_times_icebreaker"].url
    assert moscow_times.site_name == "The Moscow Times"
    assert moscow_times.description.startswith("The Polyarnaya Zvezda is the first vessel of its class")


def test_as_dict_has_every_field(moscow_times: ExtractedArticle) -> None:
    data = moscow_times.as_dict()
    assert set(data) == {
        "text", "title", "author", "authors", "published", "language", "canonical_url", "site_name", "description"
    }
    assert data["text"] == moscow_times.text


def test_trt_metadata(trt_world: ExtractedArticle) -> None:
    assert trt_world.title == "Russia launches Arctic icebreaker powered by home-made engines"
    assert trt_world.site_name == "TRT World"
    assert trt_world.published == "2023-11-14T16:22:00+03:00"
    assert trt_world.language == "en"


def test_windows_1251_page_declared_only_in_meta() -> None:
    raw = CASES["onega_cp1251_bridge"].page_path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the fixture really is a legacy-charset page
    assert b"charset=windows-1251" in raw and b"lang=" not in raw
    article = extract_article(raw)
    assert article is not None
    assert article.title == "В Петрозаводске открыли пешеходный мост через Лососинку"
    assert article.text.startswith("В субботу в Петрозаводске открыли новый пешеходный мост через реку Лососинку.")
    assert "«Раньше, чтобы попасть на набережную" in article.text
    assert article.author == "Марина Ковалёва"
    assert article.site_name == "Онежские вести"
    assert article.published == "2021-10-12"
    assert article.language == "ru"  # from <meta http-equiv="Content-Language">
    assert article.canonical_url is None


@pytest.mark.parametrize("charset", ["koi8-r", "windows-1251", "iso-8859-5"])
def test_legacy_cyrillic_charsets_declared_in_meta(charset: str) -> None:
    text = "Ёлки на набережной установят к двадцатому декабря, сообщили в мэрии города."
    page = (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}"><title>Ёлки</title>'
        f"</head><body><article><p>{text}</p><p>{text[:-1]} во вторник.</p></article></body></html>"
    )
    article = extract_article(page.encode(charset))
    assert article is not None
    assert article.text.split("\n\n")[0] == text


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<html lang="en-GB">', "en"),
        ("<html class=x lang=ru>", "ru"),
        ('<html><meta property="og:locale" content="tr_TR">', "tr"),
        ("<html><head><title>x</title>", None),
    ],
)
def test_declared_language(head: str, expected: str | None) -> None:
    assert extract.declared_language(head) == expected


@pytest.mark.parametrize(("body", "expected"), [
    ("<p>The harbour authority said on Tuesday that the new icebreaker would keep the northern shipping lane "
     "open for the whole winter, a first for the port since records began, officials told reporters.</p>", "en"),
    ("<p>Новый мост через реку Онегу откроют для движения весной, сообщили в администрации района. "
     "Строители завершили укладку пролётов в ноябре, несмотря на ранние морозы и сильный ветер.</p>", "ru"),
    ("<p>Le gouvernement a annoncé mardi une nouvelle loi sur la pêche dans le nord du pays, après des mois "
     "de discussions avec les pêcheurs et les associations de protection de la nature.</p>", "fr"),
])
def test_language_is_detected_when_the_page_declares_none(body: str, expected: str) -> None:
    page = f"<html><head><title>Nouvelles</title></head><body><article>{body * 3}</article></body></html>"
    article = extract_article(page.encode("utf-8"))
    assert article is not None and article.language == expected
    declared = extract_article(page.replace("<html>", '<html lang="de">').encode("utf-8"))
    assert declared.language == "de"  # the page's own declaration wins


def test_published_stays_a_date_when_page_states_no_time() -> None:
    date_only = '<meta property="article:published_time" content="2023-11-14">'
    assert extract.precise_published(date_only, "2023-11-14") == "2023-11-14"
    other_day = '"datePublished": "2023-11-13T23:00:00Z"'
    assert extract.precise_published(other_day, "2023-11-14") == "2023-11-14"
    same_day = '"datePublished": "2023-11-14T09:30:00Z"'
    assert extract.precise_published(same_day, "2023-11-14") == "2023-11-14T09:30:00+00:00"
    assert extract.precise_published("", None) is None


# --- looks_like_html ----------------------------------------------------------------


def test_real_html_looks_like_html() -> None:
    for case in CASES.values():
        assert looks_like_html(case.page_path.read_bytes()), case.name
    assert looks_like_html(b"  \n<div><p>fragment</p></div>")


@pytest.mark.parametrize(
    "body",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n<html>",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"GIF89a\x01\x00\x01\x00",
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
        b"PK\x03\x04\x14\x00\x00\x00<html>",
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00",
        b"",
        b"   \n\t ",
        b"Just a plain sentence with no markup at all, served as text/html.",
        b"<html>\x00\x00\x00\x00 binary tail",
    ],
)
def test_non_html_bodies(body: bytes) -> None:
    assert not looks_like_html(body)


def test_random_bytes_are_not_html() -> None:
    rng = random.Random(20231114)
    for _ in range(20):
        assert not looks_like_html(bytes(rng.getrandbits(8) for _ in range(2048)))


def test_control_bytes_without_nul_are_not_html() -> None:
    rng = random.Random(7)
    noisy = bytes(rng.choice(b"\x01\x02\x03\x1babcdef<>") for _ in range(2000))
    assert not looks_like_html(b"<html>" + noisy)


def test_utf16_html_does_not_crash() -> None:
    paragraph = "<p>Новый мост открыли в субботу утром, сообщили в мэрии города.</p>"
    page = f'<html lang="ru"><head><title>Мост</title></head><body><article>{paragraph * 3}</article></body></html>'

    with_bom = page.encode("utf-16")
    assert looks_like_html(with_bom)
    article = extract_article(with_bom)
    assert article is not None and "Новый мост открыли" in article.text
    looks_like_html(page.encode("utf-16-le"))  # either answer is fine; it must not raise
    extract_article(page.encode("utf-16-le"))


# --- rendering of trafilatura's XML body -----------------------------------------------


def test_render_blocks_structure() -> None:
    from lxml import etree

    body = etree.fromstring(
        "<body><head rend='h2'>Sub <hi rend='#b'>heading</hi></head>"
        "<p>First line<lb/>second   line with a <ref target='x'>link</ref>.</p>"
        "<list><item>Item with <hi>bold</hi> text<list><item>nested item</item></list></item></list>"
        "<graphic src='a.jpg'/><quote><p>Quoted paragraph.</p></quote>"
        "<table><row><cell>Region</cell><cell>Votes</cell></row><row><cell>North</cell><cell>12</cell></row></table>"
        "</body>"
    )
    blocks = extract.render_blocks(body)
    assert [(b.text, b.is_heading) for b in blocks] == [
        ("Sub heading", True),
        ("First line\nsecond line with a link.", False),
        ("Item with bold text", False),
        ("nested item", False),
        ("Quoted paragraph.", False),
        ("Region | Votes", False),
        ("North | 12", False),
    ]
    assert blocks[1].linked_chars == len("link")


def test_heading_only_page_is_not_an_article() -> None:
    page = "<html><head><title>Sport</title></head><body><article><h2>Results</h2><h2>Fixtures</h2></article></body>"
    assert extract_article(page) is None


# --- choosing the body per page from trafilatura's passes --------------------------------


def _body(*paragraphs: str, heading: str | None = None):
    from lxml import etree

    body = etree.Element("body")
    if heading:
        etree.SubElement(body, "head").text = heading
    for text in paragraphs:
        etree.SubElement(body, "p").text = text
    return body


PROSE = [
    "Paragraph A of the real story says the harbour pilots worked through the night to free the ships.",
    "Two tugs from Murmansk joined them at dawn, pushing the trapped freighters towards open water.",
    "The port authority estimates the delay cost shipping companies several million rubles a day.",
    "Forecasters expect the ice to thicken again next week as temperatures fall below minus thirty.",
    "Local fishermen, whose boats stayed in the inner basin, said they had never seen the bay freeze so fast.",
    "A spokesman for the shipyard said the new icebreaker would be ready for trials before the spring thaw.",
    "Insurers have asked for a report on the incident, which is the third of its kind this winter.",
    "The regional governor promised to fund a second pilot station on the northern side of the channel.",
]
NOTICE = "Order reprints of this page for your office."
MENU = [f"Menu item {n}" for n in range(200)]


def _passes(precision, balanced, readability=None, justext=None):
    from pipelines.extraction import passes

    found = passes.PagePasses(None, None, precision, balanced)
    found._rescues.update(readability=readability, justext=justext)
    return found


def _texts(blocks) -> list[str]:
    return [block.text for block in blocks]


def test_passes_that_agree_are_merged_without_a_rescue() -> None:
    found = _passes(_body(*PROSE[:6]), _body(*PROSE[:6], "Share this story on social media"))
    found._rescues.clear()
    assert _texts(extract.choose_body(found)) == PROSE[:6]  # the trailing non-prose line only balanced found
    assert found._rescues == {}  # readability and jusText never ran


def test_precision_only_paragraph_is_put_in_place() -> None:
    precision = _body(PROSE[0], PROSE[1], PROSE[2], PROSE[3])
    balanced = _body(PROSE[0], PROSE[2], PROSE[3], "More from the harbour desk")
    assert _texts(extract.choose_body(_passes(precision, balanced))) == PROSE[:4]


def test_disagreeing_passes_are_settled_by_the_rescues() -> None:
    # Precision mode settled on a notice; balanced mode, readability and jusText found the story.
    found = _passes(_body(NOTICE), _body(*PROSE), readability=_body(*PROSE[1:]), justext=_body(*PROSE))
    assert _texts(extract.choose_body(found))[0] == PROSE[0]


def test_passes_without_prose_take_the_rescue_that_found_the_article() -> None:
    found = _passes(_body(NOTICE), _body(*MENU[:20]), readability=_body(*PROSE), justext=None)
    assert _texts(extract.choose_body(found)) == PROSE


def test_a_menu_never_wins() -> None:
    found = _passes(_body(NOTICE), _body(*MENU), readability=None, justext=None)
    assert _texts(extract.choose_body(found)) == [NOTICE]


def test_identical_passes_are_one_vote() -> None:
    # Both passes found the same short box; the two rescues agree on the article.
    box = _body("Subscribe to the evening briefing for all the news from the port.")
    found = _passes(box, _body("Subscribe to the evening briefing for all the news from the port."),
                    readability=_body(*PROSE), justext=_body(*PROSE[:7]))
    assert _texts(extract.choose_body(found))[:7] == PROSE[:7]


def test_chinese_and_japanese_lines_count_as_prose() -> None:
    # No spaces between words: the old 12-space-separated-words test never passed them.
    line = "市政府星期二宣布，新的跨海大桥将于明年春天通车，届时两岸的通勤时间将缩短一半以上。"
    assert extract._is_prose(line)
    assert extract._is_prose("気象庁によると、震源地は日向灘で、震源の深さは約三十キロと推定されている。")
    assert not extract._is_prose("关于我们")  # a menu item
    assert extract._prose_chars(extract.render_blocks(_body(line))) == len(line)


def test_headline_repeated_at_the_top_of_the_body_is_dropped() -> None:
    title = "Harbour Times | Pilots free ships from the ice"
    blocks = [extract._Block("Pilots free ships from the ice", 0, True)]
    blocks += [extract._Block(text, 0, False) for text in PROSE[:4]]
    blocks += [extract._Block("Pilots free ships from the ice", 0, True)]  # lower down: a subheading, kept
    cleaned = [block.text for block in extract._clean_blocks(blocks, title, [], frozenset())]
    assert cleaned == [*PROSE[:4], "Pilots free ships from the ice"]


def test_without_trafilatura_internals_the_public_calls_give_the_same_text(monkeypatch) -> None:
    # pipelines.extraction.passes falls back to trafilatura.bare_extraction if trafilatura's internals move.
    from pipelines.extraction import passes

    page = CASES["moscow_times_icebreaker"].page_path.read_bytes()
    url = CASES["moscow_times_icebreaker"].url
    expected = extract_article(page, url)
    monkeypatch.setattr(passes, "INTERNALS", False)
    article = extract_article(page, url)
    assert article is not None and expected is not None
    assert article.text.split("\n\n")[:5] == expected.text.split("\n\n")[:5]
    assert article.title == expected.title and article.author == expected.author


def test_headline_with_a_kicker_goes_only_above_the_first_paragraph() -> None:
    title = "Pilots free ships from the ice"
    kicker = extract._Block("Harbour: Pilots free ships from the ice", 0, True)
    quoting = extract._Block("A long night: pilots free ships from the ice", 0, True)
    blocks = [kicker, extract._Block(PROSE[0], 0, False), quoting, extract._Block(PROSE[1], 0, False)]
    cleaned = [block.text for block in extract._clean_blocks(blocks, title, [], frozenset())]
    assert cleaned == [PROSE[0], quoting.text, PROSE[1]]

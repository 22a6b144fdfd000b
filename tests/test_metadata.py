"""Tests for pipelines.extraction.metadata: headline without the site name, authors as people's names,
ISO 8601 dates from the page's structured data."""

from __future__ import annotations

import pytest
from lxml import html

from pipelines.extraction import metadata

KEYS = metadata.site_keys(["Börsen-Zeitung"], "https://www.boersen-zeitung.de/banken/a-1")


def _tree(head: str = "", body: str = ""):
    return html.fromstring(f"<html><head>{head}</head><body>{body}</body></html>")


# --- site name off the title -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "names", "url", "expected"),
    [
        ("Steigende US-Zinsen setzen Dax zu | Börsen-Zeitung", ["Börsen-Zeitung"], None,
         "Steigende US-Zinsen setzen Dax zu"),
        ("Oil prices fall as stocks build - Reuters", ["Reuters"], None, "Oil prices fall as stocks build"),
        ("宮崎県で震度5弱 気象庁：朝日新聞デジタル", ["朝日新聞デジタル"], None, "宮崎県で震度5弱 気象庁"),
        ("Ukrainische Gegenoffensive: Ziele, Chancen, Risiken | DW | 28.04.2023", ["Deutsche Welle"],
         "https://www.dw.com/de/x", "Ukrainische Gegenoffensive: Ziele, Chancen, Risiken"),
        ("Golem.de: LTE-Patent vor Gericht", [], "https://www.golem.de/news/x.html", "LTE-Patent vor Gericht"),
    ],
)
def test_site_name_is_stripped(raw: str, names: list[str], url: str | None, expected: str) -> None:
    assert metadata.strip_site_name(raw, metadata.site_keys(names, url)) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "Trump vs. Biden - the rematch nobody wanted",  # a dash inside the headline
        "Börsen-Zeitung chief editor steps down after twenty years",  # the site named in a sentence
        "Dax | Zinsen | Anleihen",  # no segment names the site
    ],
)
def test_headlines_without_a_site_segment_are_kept(raw: str) -> None:
    assert metadata.strip_site_name(raw, KEYS) == raw


def test_sources_vote_for_the_headline() -> None:
    sources = [("og:title", "Wero besteht Praxistest im digitalen Handel | Börsen-Zeitung"),
               ("h1", "Wero besteht Praxistest im digitalen Handel"), ("title", "Wero | Börsen-Zeitung")]
    assert metadata.choose_title(sources, KEYS) == "Wero besteht Praxistest im digitalen Handel"


def test_a_kicker_in_front_of_one_source_loses_to_the_headline_the_others_give() -> None:
    sources = [("og:title", "Vierschanzentournee | Beleidigen und beschuldigen: Skisprung-Zoff"),
               ("json-ld", "Beleidigen und beschuldigen: Skisprung-Zoff"),
               ("h1", "Beleidigen und beschuldigen: Skisprung-Zoff")]
    assert metadata.choose_title(sources, frozenset()) == "Beleidigen und beschuldigen: Skisprung-Zoff"


def test_only_a_value_some_source_gives_whole_can_win() -> None:
    # All sources share the prefix "Your $1 bill could be worth THOUSANDS", none states it alone.
    sources = [("json-ld", "Your $1 bill could be worth THOUSANDS - here's how to check if you have one"),
               ("og:title", "Your $1 bill could be worth THOUSANDS - here's how to check"),
               ("h1", "Your $1 bill could be worth THOUSANDS - here's how to check if you have one"),
               ("fallback", "Your $1 bill could be worth THOUSANDS - here's how to check")]
    assert metadata.choose_title(sources, ()) == "Your $1 bill could be worth THOUSANDS - here's how to check"


def test_a_part_some_source_states_whole_still_wins() -> None:  # near miss of the rule above
    sources = [("og:title", "Wero besteht Praxistest | Vierschanzentournee"), ("json-ld", "Wero besteht Praxistest"),
               ("h1", "Wero besteht Praxistest")]
    assert metadata.choose_title(sources, ()) == "Wero besteht Praxistest"


def test_the_spelling_with_most_weight_wins() -> None:
    sources = [("json-ld", "Rückbau von Atomkraftwerk - Kühltürme gesprengt"),
               ("og:title", "Rückbau von Atomkraftwerk: Kühltürme gesprengt"),
               ("fallback", "Rückbau von Atomkraftwerk: Kühltürme gesprengt")]
    assert metadata.choose_title(sources, ()) == "Rückbau von Atomkraftwerk: Kühltürme gesprengt"
    # near miss: JSON-LD, the <h1> and <title> together outweigh og:title alone
    sources = [("json-ld", "Mexico to fight ‘illogical’ tariffs"), ("og:title", "Mexico to fight 'illogical' tariffs"),
               ("h1", "Mexico to fight ‘illogical’ tariffs"), ("title", "Mexico to fight ‘illogical’ tariffs")]
    assert metadata.choose_title(sources, ()) == "Mexico to fight ‘illogical’ tariffs"


def test_a_kicker_and_a_section_around_the_headline_back_it() -> None:
    headline = "Newborns left in dustbins: Madhya Pradesh tops India in abandonment cases"
    boxed = f"Infant Abandonment Cases In India: {headline} | Bhopal News - The Times of India"
    sources = [("json-ld", headline), ("og:title", boxed), ("twitter:title", boxed), ("h1", headline),
               ("title", boxed), ("fallback", boxed)]
    keys = metadata.site_keys(["The Times of India"], "https://timesofindia.indiatimes.com/city/x.cms")
    assert metadata.choose_title(sources, keys) == headline


def test_the_kicker_before_a_colon_is_no_headline() -> None:  # near miss: the colon only opens a piece
    sources = [("og:title", "Brexit: Parliament votes again"), ("h1", "Brexit")]
    assert metadata.choose_title(sources, ()) == "Brexit: Parliament votes again"
    sources = [("og:title", "Rückbau von Atomkraftwerk: Kühltürme gesprengt"), ("h1", "Kühltürme gesprengt"),
               ("json-ld", "Rückbau von Atomkraftwerk: Kühltürme gesprengt")]
    assert metadata.choose_title(sources, ()) == "Rückbau von Atomkraftwerk: Kühltürme gesprengt"


def test_a_section_label_before_the_site_name_goes_when_another_source_lacks_it() -> None:
    keys = metadata.site_keys(["한국일보"], "https://www.hankookilbo.com/news/article/A1")
    boxed = "민주당 '선호투표제' 도입 또다시 불발··· 친청계 \"당규 개정 왜 밀어붙이나\"-정치ㅣ한국일보"
    headline = "민주당 '선호투표제' 도입 또다시 불발··· 친청계 \"당규 개정 왜 밀어붙이나\""
    sources = [("json-ld", headline), ("og:title", boxed), ("twitter:title", boxed), ("title", boxed),
               ("fallback", boxed)]
    assert metadata.choose_title(sources, keys) == headline
    # near miss: with no source giving the shorter headline, the last words stay
    keys = metadata.site_keys(["Kicker"], "https://www.kicker.de/x")
    boxed = "Bayern München gegen Borussia Dortmund im Pokal - Rückspiel | Kicker"
    sources = [("og:title", boxed), ("title", boxed)]
    assert metadata.choose_title(sources, keys) == "Bayern München gegen Borussia Dortmund im Pokal - Rückspiel"


@pytest.mark.parametrize(
    ("raw", "names", "url", "expected"),
    [
        ("Palestinians say his appointment could ruin talks | CBC News", ["CBC"], "https://www.cbc.ca/news/world/x",
         "Palestinians say his appointment could ruin talks"),
        ("„Unermüdlicher Einsatz“ - Die Neue Südtiroler Tageszeitung", [], "https://www.tageszeitung.it/2025/x/",
         "„Unermüdlicher Einsatz“"),
        ("New Plot Twist in Idaho Case | The Gateway Pundit | by Cristina Laila", ["The Gateway Pundit"],
         "https://www.thegatewaypundit.com/2023/x/", "New Plot Twist in Idaho Case"),
    ],
)
def test_a_name_built_on_the_site_name_or_a_byline_is_stripped(raw: str, names: list[str], url: str,
                                                               expected: str) -> None:
    assert metadata.strip_site_name(raw, metadata.site_keys(names, url)) == expected


@pytest.mark.parametrize(
    ("raw", "url"),
    [
        ("London commuters face chaos - Metro strike called off", "https://metro.co.uk/2024/x/"),  # a sentence
        ("Stars who came back - Stand by Me", "https://metro.co.uk/2024/x/"),  # 'by' inside the segment
        ("Budget 2024 - by the numbers", "https://www.cbc.ca/news/x"),  # not a name after 'by'
    ],
)
def test_segments_that_only_mention_the_site_or_by_are_kept(raw: str, url: str) -> None:
    assert metadata.strip_site_name(raw, metadata.site_keys([], url)) == raw


def test_a_site_name_that_is_the_headline_is_no_site_name() -> None:
    headline = "Nationale Demo / Der 9. Juli naht: OGBL und LCGB demonstrieren Stärke"
    tree = _tree(f'<meta property="og:site_name" content="Nationale Demo Der 9. Juli naht: OGBL und LCGB '
                 f'demonstrieren Stärke"><meta property="og:title" content="{headline}">')
    assert metadata.site_names(tree, []) == []
    keys = metadata.site_keys(metadata.site_names(tree, []), "https://www.tageblatt.lu/headlines/x/")
    assert metadata.choose_title(metadata.title_sources(tree, []), keys) == headline
    # near miss: an <h1> that is the site's logo leaves the site's name alone
    tree = _tree('<meta property="og:site_name" content="매일경제">'
                 '<meta property="og:title" content="헤드라인 - 매일경제">', "<h1>매일경제</h1>")
    assert metadata.site_names(tree, []) == ["매일경제"]


def test_title_falls_back_and_unescapes() -> None:
    assert metadata.choose_title([("json-ld", "Kohberger&#8217;s lawyers"), ("fallback", None)], ()) == (
        "Kohberger’s lawyers")
    assert metadata.choose_title([("fallback", None)], ()) is None


# --- authors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("By Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
        ("Von Anna Sleegers", ["Anna Sleegers"]),
        ("Brazil, Rachel", ["Rachel Brazil"]),
        ("Trine Juncher Jørgensen og Tôrtia Reimer-Johansen", ["Trine Juncher Jørgensen", "Tôrtia Reimer-Johansen"]),
        ("chuck-ross", ["Chuck Ross"]),
        ("Capital Von Jemima Kelly", ["Jemima Kelly"]),
        ("Paula Steiger, SDA", ["Paula Steiger", "SDA"]),
    ],
)
def test_split_names(raw: str, expected: list[str]) -> None:
    assert metadata.split_names(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ursula von der Leyen", ["Ursula von der Leyen"]),  # a particle is not a label
        ("https://www.facebook.com/harbourtimes", []),  # a profile URL is not a name
        ("The Washington Times https://www.washingtontimes.com", []),
    ],
)
def test_split_names_near_misses(raw: str, expected: list[str]) -> None:
    assert metadata.split_names(raw) == expected


def test_looks_like_a_name() -> None:
    assert metadata.looks_like_a_name("María R. Sahuquillo")
    assert metadata.looks_like_a_name("Ursula von der Leyen")
    assert metadata.looks_like_a_name("신현주")
    assert not metadata.looks_like_a_name("Red")
    assert not metadata.looks_like_a_name("Quelle sid")


LD_PEOPLE = """<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
  {"@type": "WebPage", "name": "Harbour Times"},
  {"@type": "NewsArticle", "headline": "Pilots free ships", "datePublished": "2023-11-14T13:05:00+03:00",
   "author": [{"@type": "Person", "name": "Yelena Markova"}, {"@type": "Person", "name": "Ivan Petrov"}]},
  {"@type": "NewsArticle", "headline": "Teaser", "author": {"@type": "Person", "name": "Someone Else"}}]}
</script>"""


def test_authors_from_json_ld_people() -> None:
    tree = _tree(LD_PEOPLE)
    objects = metadata.json_ld_objects(tree)
    assert metadata.authors(tree, objects) == ("Yelena Markova", "Ivan Petrov")


def test_an_organisation_or_the_site_is_not_a_person() -> None:
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", "author": '
          '{"@type": "Organization", "name": "Harbour Times"}}</script><meta name="author" content="Harbour Times">')
    tree = _tree(ld)
    keys = metadata.site_keys(["Harbour Times"], "https://harbourtimes.example/a")
    assert metadata.authors(tree, metadata.json_ld_objects(tree), lambda: "Jane Doe", keys) == ("Jane Doe",)
    # ... but when nobody else signed the story, the outlet did.
    assert metadata.authors(tree, metadata.json_ld_objects(tree), lambda: None, keys) == ("Harbour Times",)


def test_guessed_byline_must_look_like_a_name() -> None:
    tree = _tree()
    assert metadata.authors(tree, [], lambda: "Red; Agenturen") == ("Red", "Agenturen")  # nothing better
    assert metadata.authors(tree, [], lambda: "Red; Jane Doe") == ("Jane Doe",)


def test_broken_json_ld_is_skipped() -> None:
    tree = _tree('<script type="application/ld+json">{"@type": "NewsArticle", </script>' + LD_PEOPLE)
    assert [obj.get("headline") for obj in metadata.article_objects(metadata.json_ld_objects(tree))] == [
        "Pilots free ships", "Teaser"]


# --- date ---------------------------------------------------------------------------------


def test_published_prefers_the_article_json_ld() -> None:
    tree = _tree(LD_PEOPLE + '<meta property="article:published_time" content="2023-11-15T08:00:00Z">')
    assert metadata.published(tree, metadata.json_ld_objects(tree), "2023-11-16") == "2023-11-14T13:05:00+03:00"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<meta property="article:published_time" content="2024-05-02T07:15:00Z">', "2024-05-02T07:15:00+00:00"),
        ('<meta property="article:published_time" content="2024-05-02">', "2024-05-02"),
        ('<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "Fri Apr 28 19:20:36 CEST '
         '2023"}</script>', "2023-04-28"),  # not ISO: the fallback
        ("", "2023-04-28"),
    ],
)
def test_published_sources(head: str, expected: str) -> None:
    tree = _tree(head)
    assert metadata.published(tree, metadata.json_ld_objects(tree), "2023-04-28") == expected

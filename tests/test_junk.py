"""Unit tests for each junk rule in pipelines.junk, with the near-misses that must survive."""

from __future__ import annotations

import pytest

from pipelines import junk

# Prose that shares words with junk and must never be dropped, whatever the rule.
NEAR_MISSES = (
    "Readers who want to read more about the shipyard's history can visit its small museum.",
    "Loading the ship",
    "Related to this, the port authority has asked for extra funds.",
    '"Advertisement revenue fell by a third last year," the publisher said.',
    "Subscribers to the regional paper received the news a day late.",
    "Share prices of the shipbuilder rose 4% after the launch.",
    "AP reporters were not allowed into the shipyard.",
    "Photographers lined the quay as the ship slid into the water.",
    "Cookies and tea were served to the workers' families after the ceremony.",
    "Sponsored by the regional government, the project cost 8 billion rubles.",
    "See the full list of vessels below.",
    "Ad hoc repairs will be carried out in Murmansk.",
)


@pytest.mark.parametrize("line", NEAR_MISSES)
def test_near_misses_match_no_rule(line: str) -> None:
    assert junk.junk_rule_for(line) is None


@pytest.mark.parametrize(
    "line",
    [
        "READ MORE: Putin visits the new port terminal",
        "Read more: Ice season starts early",
        "Read also: Finland orders two icebreakers",
        "Also read – Arctic LNG faces tanker shortage",
        "Related: Ruble slides past 95",
        "See also: Northern Sea Route traffic doubles",
        "Also read",
        "Related",
        "Related Articles",
        "Read more about: Shipbuilding Arctic",
        "Читайте также: Мост открыли досрочно",
    ],
)
def test_teaser_links(line: str) -> None:
    assert junk.is_teaser_link(line)


def test_teaser_prefix_needs_a_short_line() -> None:
    long_line = "Related: " + "the port authority said the works would continue " * 4
    assert not junk.is_teaser_link(long_line)


@pytest.mark.parametrize("line", ["Loading...", "Loading…", "loading", "  Loading.. ", "Please wait..."])
def test_loading_placeholders(line: str) -> None:
    assert junk.is_loading_placeholder(line)


@pytest.mark.parametrize("line", ["Loading the ship", "Loading... the ship", "Loading cranes broke down."])
def test_loading_near_misses(line: str) -> None:
    assert not junk.is_loading_placeholder(line)


@pytest.mark.parametrize("line", ["Advertisement", "ADVERTISEMENT", "Sponsored", "Ad", "Sponsored content", "Реклама"])
def test_ad_labels(line: str) -> None:
    assert junk.is_ad_label(line)


@pytest.mark.parametrize("line", ["Advertisement revenue fell sharply.", "Adam", "Sponsored by the city"])
def test_ad_label_near_misses(line: str) -> None:
    assert not junk.is_ad_label(line)


@pytest.mark.parametrize(
    "line",
    [
        "Sign up for our newsletter",
        "Sign up for our daily Russia briefing newsletter",
        "Subscribe",
        "Subscribe now!",
        "Subscribe to our Telegram channel",
        "Get the day's top stories delivered to your inbox every morning.",
        "Support our journalism. Your contribution helps keep us reporting.",
        "Support independent journalism",
        "Donate",
        "Become a member",
        "Follow us on Telegram",
    ],
)
def test_calls_to_action(line: str) -> None:
    assert junk.is_call_to_action(line)


def test_call_to_action_ignores_long_paragraphs() -> None:
    reporting = "Support our journalism, the editor wrote in a letter " + "explaining the paper's finances " * 8
    assert not junk.is_call_to_action(reporting)


@pytest.mark.parametrize(
    "line",
    ["Share", "Tweet", "Facebook Twitter Email", "Share this article", "Share on Facebook", "WhatsApp | Telegram"],
)
def test_share_bars(line: str) -> None:
    assert junk.is_share_bar(line)


@pytest.mark.parametrize("line", ["Share prices rose", "Facebook said the post was removed.", "on", "via"])
def test_share_bar_near_misses(line: str) -> None:
    assert not junk.is_share_bar(line)


@pytest.mark.parametrize(
    "line",
    [
        "We use cookies to give you the best experience on our website.",
        "This website uses cookies. By continuing to browse you agree to our use of cookies.",
        "Accept all cookies",
        "Cookie settings",
    ],
)
def test_cookie_notices(line: str) -> None:
    assert junk.is_cookie_notice(line)


def test_cookie_near_miss_about_regulation() -> None:
    assert not junk.is_cookie_notice("The regulator said websites must ask before storing cookies on phones.")


@pytest.mark.parametrize(
    "line",
    [
        "AP", "AFP", "Reuters", "Getty Images", "Pavel Lebedev / TASS", "Mikhail Klimentyev/TASS",
        "(AP Photo/Jane Doe)", "AFP via Getty Images", "Photo: Jane Doe", "Photo credit: Reuters", "Фото: ТАСС",
    ],
)
def test_photo_credits(line: str) -> None:
    assert junk.is_photo_credit(line)


@pytest.mark.parametrize(
    "line",
    ["Reuters reported the launch on Tuesday.", "APEC", "Photographers lined the quay.", "Getty Images settles suit"],
)
def test_photo_credit_near_misses(line: str) -> None:
    assert not junk.is_photo_credit(line)


def test_normalise_line_ignores_case_punctuation_and_spacing() -> None:
    assert junk.normalise_line("  Route   6! ") == junk.normalise_line("route 6") == "route 6"
    assert junk.normalise_line("Ёжик — «да»") == "ёжик да"


def test_link_list_entry() -> None:
    headline = "Ruble Slides Past 95 Against the Dollar"
    assert junk.is_link_list_entry(f"{headline}\nNov. 13, 2023", linked_chars=len(headline))
    assert junk.is_link_list_entry(f"READ MORE: {headline}", linked_chars=len(headline))
    assert junk.is_link_list_entry("Click here for the full report.", linked_chars=31)


def test_link_list_entry_near_misses() -> None:
    headline = "Ruble Slides Past 95 Against the Dollar"
    prose = f"{headline}, the central bank said on Monday, blaming weak export earnings and capital flight."
    assert not junk.is_link_list_entry(prose, linked_chars=len(headline))
    assert not junk.is_link_list_entry("A sentence without links at all.", linked_chars=0)
    linked_names = "Vladimir Putin and Xi Jinping met."  # both names are links on the page
    assert not junk.is_link_list_entry(linked_names, linked_chars=len("Vladimir Putin") + len("Xi Jinping"))
    assert not junk.is_link_list_entry("", linked_chars=0)


CAPTION = "The icebreaker was moored at the outfitting quay in Arkhangelsk after the launch ceremony."


def test_exact_repeats_keep_first_occurrence() -> None:
    paragraphs = [CAPTION, "First body paragraph about the launch.", CAPTION.upper(), "Short.", "Short."]
    assert junk.drop_repeated_paragraphs(paragraphs) == [0, 1, 3]


def test_near_identical_repeat_keeps_first() -> None:
    edited = CAPTION.replace("after the launch ceremony", "after the launch ceremony on Tuesday")
    assert junk.drop_repeated_paragraphs([CAPTION, "Something else entirely here.", edited]) == [0, 1]


def test_standfirst_reappearing_inside_a_fuller_paragraph_keeps_the_fuller_one() -> None:
    standfirst = "Moscow and Minsk criticised what they called the West's destabilising role in the region."
    fuller = "In a joint statement on Friday, " + standfirst[0].lower() + standfirst[1:] + " Both sides signed it."
    assert junk.drop_repeated_paragraphs([standfirst, "Other news.", fuller]) == [1, 2]


def test_short_different_paragraphs_are_not_near_duplicates() -> None:
    assert junk.drop_repeated_paragraphs(["He said yes.", "He said no."]) == [0, 1]


def test_seen_before_drops_title_line() -> None:
    assert junk.drop_repeated_paragraphs(["Title Of Story", "Body text."], seen_before=["title of story"]) == [1]


def test_learner_learns_lines_on_min_pages_only() -> None:
    learner = junk.RepeatedLineLearner(min_pages=3)
    host = "news.example.org"
    for n in range(3):
        lines = [f"Unique paragraph number {n} about the harbour.", "Route 6"]
        if n < 2:
            lines.append("Seen twice only")
        learner.observe(host, lines)
    assert learner.repeated(host) == frozenset({"route 6"})
    assert learner.repeated("other.example.org") == frozenset()


def test_learner_counts_distinct_pages_not_repeats() -> None:
    learner = junk.RepeatedLineLearner(min_pages=3)
    learner.observe("a.example", ["Route 6", "Route 6", "Route 6"])
    learner.observe("a.example", ["Route 6"], page_key="https://a.example/1")
    learner.observe("a.example", ["Route 6"], page_key="https://a.example/1")
    assert learner.repeated("a.example") == frozenset()
    learner.observe("A.EXAMPLE", ["route 6!"], page_key="https://a.example/2")
    assert learner.repeated("a.example") == frozenset({"route 6"})


def test_learner_ignores_long_lines() -> None:
    learner = junk.RepeatedLineLearner(min_pages=2, max_words=5)
    background = "Russia has repeatedly denied any plans to close the route to foreign ships."
    for _ in range(3):
        learner.observe("b.example", [background, "Follow us"])
    assert learner.repeated("b.example") == frozenset({"follow us"})


def test_learner_bounds_memory_by_forgetting_single_page_lines() -> None:
    learner = junk.RepeatedLineLearner(min_pages=2, max_lines_per_host=10)
    learner.observe("c.example", ["Footer line"])
    learner.observe("c.example", ["Footer line"])
    for n in range(20):
        learner.observe("c.example", [f"one-off line {n}"])
    assert learner.repeated("c.example") == frozenset({"footer line"})
    assert len(learner._counts["c.example"]) <= 11


def test_learner_rejects_min_pages_below_two() -> None:
    with pytest.raises(ValueError):
        junk.RepeatedLineLearner(min_pages=1)

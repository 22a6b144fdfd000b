"""Golden cases for the fixture pages: shared by tests/test_extract.py and regenerate.py,
so that regenerating can never accept output the tests would reject."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parent
EXPECTED_DIR = PAGES_DIR / "expected"


@dataclass(frozen=True)
class GoldenCase:
    name: str  # page is NAME.html, expected text is expected/NAME.txt (empty: no article)
    url: str
    junk_substrings: tuple[str, ...] = ()  # must not occur anywhere in the text
    junk_lines: tuple[str, ...] = ()  # must not be a whole line (too short for a substring test)
    site_furniture: tuple[str, ...] = ()  # lines a RepeatedLineLearner would have learned for the host

    @property
    def page_path(self) -> Path:
        return PAGES_DIR / f"{self.name}.html"

    @property
    def expected_path(self) -> Path:
        return EXPECTED_DIR / f"{self.name}.txt"


CASES = (
    GoldenCase(
        name="moscow_times_icebreaker",
        url="https://www.themoscowtimes.com/2023/11/14/arkhangelsk-shipyard-launches-icebreaker-built-on-russian-engines-a83012",
        junk_substrings=(
            "By Yelena Markova", "November 14, 2023", "Read more about", "Most read", "Moscow Metro Opens",
            "Ruble Slides", "Contribute", "independent news outlet", "Privacy policy", "all rights reserved",
        ),
        junk_lines=(
            "Arkhangelsk Shipyard Launches Icebreaker Built on Russian Engines", "Business", "Shipbuilding",
            "Arctic", "Pavel Lebedev / TASS", "News", "Opinion",
        ),
    ),
    GoldenCase(
        name="trt_world_icebreaker",
        url="https://www.trtworld.com/europe/russia-launches-arctic-icebreaker-powered-by-home-made-engines-16204",
        junk_substrings=(
            "READ MORE", "Loading...", "Sign up for our newsletter", "your inbox", "Support our journalism",
            "cookies", "Facebook Twitter Email", "Route 6", "Russia bets on Northern Sea Route",
            "Finland orders two new icebreakers", "Arctic LNG project", "Istanbul ferry", "All rights reserved",
        ),
        junk_lines=(
            "AP", "Reuters", "Advertisement", "Share", "Subscribe", "Related", "Related Articles", "Most Popular",
            "EUROPE",
            "Russia launches Arctic icebreaker powered by home-made engines", "TRT World and Agencies",
        ),
        site_furniture=("Route 6",),
    ),
    GoldenCase(
        name="onega_cp1251_bridge",
        url="http://onega-vesti.example.ru/news/2021/10/12/most.html",
        junk_substrings=("Онежские вести", "Новости", "Все права защищены", "\ufffd", "Ð", "Ã", "Â"),
        junk_lines=("В Петрозаводске открыли пешеходный мост через Лососинку", "12.10.2021", "Марина Ковалёва"),
    ),
    GoldenCase(
        name="section_index_business",
        url="https://www.themoscowtimes.com/business",
        junk_substrings=(
            "Ruble Slides Past 95", "Grain Exporters", "Regional Airline", "Car Sales Rise", "Bakery Chain",
            "Next", "About us", "independent news outlet",
        ),
    ),
)


def paragraphs(text: str) -> list[str]:
    return [block.strip() for block in text.split("\n\n") if block.strip()]


def golden_problems(case: GoldenCase, text: str, expected_text: str) -> list[str]:
    """Why text falls short of the golden file: expected paragraphs missing or out of
    order, a paragraph repeated, or junk present. An empty list means it passes."""
    problems = []
    actual = paragraphs(text)
    position = 0
    for wanted in paragraphs(expected_text):
        try:
            position = actual.index(wanted, position) + 1
        except ValueError:
            problems.append(f"missing or out of order: {wanted[:80]!r}")
    problems += [f"paragraph repeated: {p[:80]!r}" for p in dict.fromkeys(actual) if actual.count(p) > 1]
    lines = {line.strip() for line in text.splitlines()}
    problems += [f"junk substring present: {junk!r}" for junk in case.junk_substrings if junk in text]
    problems += [f"junk line present: {junk!r}" for junk in case.junk_lines if junk in lines]
    return problems

"""pipelines.extraction.site_lines: the learner's counts survive in the catalog's site_lines table."""

from __future__ import annotations

import datetime as dt
import sqlite3

from pipelines.extraction import site_lines
from pipelines.extraction.learner import RepeatedLineLearner
from pipelines.storage.catalog import Catalog
from pipelines.storage.site_line_table import PRUNE_DAYS

HOST = "www.harbour.example"


def table(path):
    """The site_lines table of the catalog at ``path`` (each call: a new connection, as a new run)."""
    return Catalog(path).site_lines


def _observe(learner: RepeatedLineLearner, first: int, last: int) -> None:
    for n in range(first, last):
        learner.observe(HOST, ["Route 6", f"Story {n} about the harbour"], page_key=f"https://{HOST}/{n}")


def test_counts_survive_a_restart(tmp_path) -> None:
    path = tmp_path / "catalog.sqlite"
    today = RepeatedLineLearner(min_pages=3)
    _observe(today, 0, 2)
    assert today.repeated(HOST) == frozenset()
    assert site_lines.save(table(path), today) == 1

    tomorrow = RepeatedLineLearner(min_pages=3)
    assert site_lines.load(table(path), tomorrow) == 1
    assert tomorrow.pages(HOST) == 2
    _observe(tomorrow, 2, 3)  # one more page is enough now
    assert tomorrow.repeated(HOST) == frozenset({"route 6"})
    site_lines.save(table(path), tomorrow)

    rows = dict(sqlite3.connect(path).execute("SELECT line, pages FROM site_lines WHERE host = ?", (HOST,)))
    assert rows[""] == 3 and rows["route 6"] == 3 and rows["story 0 about the harbour"] == 1


def test_a_new_catalog_knows_no_host(tmp_path) -> None:
    learner = RepeatedLineLearner()
    assert site_lines.load(table(tmp_path / "new.sqlite"), learner) == 0


def test_nothing_new_writes_nothing(tmp_path) -> None:
    learner = RepeatedLineLearner()
    assert site_lines.save(table(tmp_path / "c.sqlite"), learner) == 0
    _observe(learner, 0, 1)
    assert site_lines.save(table(tmp_path / "c.sqlite"), learner) == 1
    assert site_lines.save(table(tmp_path / "c.sqlite"), learner) == 0  # already saved


def test_concurrent_runs_keep_the_larger_count(tmp_path) -> None:
    path = tmp_path / "catalog.sqlite"
    big, small = RepeatedLineLearner(), RepeatedLineLearner()
    _observe(big, 0, 5)
    _observe(small, 0, 1)
    site_lines.save(table(path), big)
    site_lines.save(table(path), small)
    pages = sqlite3.connect(path).execute("SELECT pages FROM site_lines WHERE line = 'route 6'").fetchone()[0]
    assert pages == 5


def test_single_page_lines_are_pruned_when_old(tmp_path) -> None:
    path = tmp_path / "catalog.sqlite"
    then = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    first = RepeatedLineLearner()
    _observe(first, 0, 2)
    site_lines.save(table(path), first, now=then)

    later = RepeatedLineLearner()
    site_lines.load(table(path), later)
    _observe(later, 2, 3)
    site_lines.save(table(path), later, now=then + dt.timedelta(days=PRUNE_DAYS + 1))
    lines = {row[0] for row in sqlite3.connect(path).execute("SELECT line FROM site_lines")}
    # old one-page prose is gone; the repeated line, the page count and today's line stay
    assert lines == {"", "route 6", "story 2 about the harbour"}


def test_table_sits_beside_other_tables(tmp_path) -> None:
    path = tmp_path / "catalog.sqlite"
    catalog = Catalog(path)
    catalog.add_article({"url": "https://x.example/", "fetched_at": "2024-02-04T00:00:00+00:00",
                         "text_path": "text/x", "text_sha1": "0"})
    learner = RepeatedLineLearner()
    _observe(learner, 0, 1)
    site_lines.save(catalog.site_lines, learner)
    db = sqlite3.connect(path)
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM site_lines").fetchone()[0] == 3

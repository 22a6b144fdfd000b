"""What RepeatedLineLearner learned about each site's furniture, kept across runs in the
catalog's ``site_lines`` table (pipelines/storage/site_line_table.py), so that tomorrow's
run already knows a site's recurring lines ("Route 6", a promo footer). No Scrapy.

Loading adds the stored counts to a learner; saving writes the totals of the hosts
observed since the last save.
"""

from __future__ import annotations

import datetime as dt
import logging

from pipelines.storage.site_line_table import PRUNE_DAYS, SiteLineTable

from .learner import RepeatedLineLearner

logger = logging.getLogger(__name__)


def load(table: SiteLineTable, learner: RepeatedLineLearner) -> int:
    """Seed the learner with every host stored; returns the number of hosts."""
    stored = table.load()
    for host, (pages, counts) in stored.items():
        learner.seed(host, pages, counts)
    learner.export(changed_only=True)  # what was just loaded is not new
    logger.debug("site_lines: loaded %d hosts", len(stored))
    return len(stored)


def save(table: SiteLineTable, learner: RepeatedLineLearner, *, now: dt.datetime | None = None,
         prune_days: int = PRUNE_DAYS) -> int:
    """Write the counts of the hosts observed since the last save; returns how many hosts."""
    saved = table.save(learner.export(changed_only=True), now=now, prune_days=prune_days)
    logger.debug("site_lines: saved %d hosts", saved)
    return saved

"""The switch to distributed crawling, as a Scrapy add-on (ADDONS): with DISTRIBUTED on
(``-s DISTRIBUTED=1``, or the sources file's [distributed] table), the scheduler, its
dupe filter and the catalog's lookups are the shared ones in Redis."""

from __future__ import annotations

from . import seeds


class Distributed:
    def update_settings(self, settings) -> None:
        if settings.getbool("DISTRIBUTED"):
            seeds.enable(settings)

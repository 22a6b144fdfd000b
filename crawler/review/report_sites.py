"""The HTTP captures of a run by site, as the run report shows them (no Scrapy imports).

:func:`sites` groups the run's ``captures`` rows by host: how many exchanges,
which status codes (a revisit record counts as ``<status> revisit``), which
status classes (2xx ... 5xx, other, revisit) and how many payload bytes. The
two charts show the largest sites (``charts.MAX_ROWS``), the table at most
:data:`MAX_TABLE_SITES`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from crawler.review.charts import MAX_ROWS, BarChart, bar_chart
from crawler.review.urls import url_host

MAX_TABLE_SITES = 500
STATUS_CLASSES = ("2xx", "3xx", "4xx", "5xx", "other", "revisit")  # in the order bars stack
LEGEND = {"revisit": "revisit (unchanged payload)"}


def human_bytes(n: float) -> str:
    """``8100`` -> ``8.1 KB`` (powers of 1000)."""
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"  # pragma: no cover


def status_class(status: int | None, record_type: str | None = None) -> str:
    if record_type == "revisit":
        return "revisit"
    if status is None or not 200 <= status < 600:
        return "other"
    return f"{status // 100}xx"


@dataclass(frozen=True)
class Site:
    host: str
    captures: int
    codes: str  # "200 × 2, 301 × 1"
    size: str  # payload bytes, as human_bytes writes them


@dataclass(frozen=True)
class Sites:
    count: int  # every site of the run
    table: tuple[Site, ...]  # the largest MAX_TABLE_SITES, most captures first
    legend: tuple[tuple[str, str], ...]  # (status class, label) of the classes seen
    status_chart: BarChart
    bytes_chart: BarChart

    @property
    def charted(self) -> int:
        return min(self.count, MAX_ROWS)

    @property
    def not_in_table(self) -> int:
        return self.count - len(self.table)


def sites(captures: Iterable[Mapping]) -> Sites:
    by_site: dict[str, Counter] = defaultdict(Counter)
    kinds: dict[str, Counter] = defaultdict(Counter)
    size: Counter = Counter()
    for capture in captures:
        host = url_host(capture["url"]) or "(no host)"
        status, record_type = capture["status"], capture["record_type"]
        by_site[host][f"{status} revisit" if record_type == "revisit" else str(status)] += 1
        kinds[host][status_class(status, record_type)] += 1
        size[host] += capture["payload_length"] or 0
    hosts = sorted(by_site, key=lambda h: (-sum(by_site[h].values()), h))
    status_rows = [(h, [(kinds[h][k], f"s{k}", f"{h}: {kinds[h][k]} × {k}") for k in STATUS_CLASSES])
                   for h in hosts[:MAX_ROWS]]
    bytes_rows = [(h, [(size[h], "bar bytes", f"{h}: {size[h]:,} bytes")])
                  for h in sorted(hosts, key=lambda h: (-size[h], h))[:MAX_ROWS]]
    table = tuple(Site(host=h, captures=sum(by_site[h].values()),
                       codes=", ".join(f"{code} × {n}" for code, n in sorted(by_site[h].items())),
                       size=human_bytes(size[h]))
                  for h in hosts[:MAX_TABLE_SITES])
    legend = tuple((k, LEGEND.get(k, k)) for k in STATUS_CLASSES if any(kinds[h][k] for h in hosts))
    return Sites(count=len(hosts), table=table, legend=legend,
                 status_chart=bar_chart("HTTP captures by site and status class", status_rows),
                 bytes_chart=bar_chart("Payload bytes received by site", bytes_rows, human_bytes))

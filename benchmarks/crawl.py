"""Crawl throughput benchmark: fetch-only Scrapy vs fetch + WARC vs the full pipeline.

    .venv/bin/python benchmarks/crawl.py [--pages 2000] [--rounds 3] [--modes a,b,c] [--memory 20000]

Generates a realistic news site (benchmarks/newssite.py; cached by seed and page count), serves it
with nginx on 127.0.0.1 (benchmarks/nginx.py; gzip on), then runs ``scrapy crawl sitemap`` over its
sitemap index as a subprocess, once per mode per round, interleaved (a, b, c, a, b, c, ...) so that
a change in the machine's load hits every mode alike:

  a  fetch-only Scrapy: Scrapy's stock HTTP/1.1 download handler, WARC off, no item pipelines
     (the spider, its middlewares and the robots.txt/recrawl checks are the project's own);
  b  fetch + WARC: the project's capturing download handler, WARC on, no item pipelines;
  c  the full pipeline: the project's settings as they are (capture, WARC, extraction with
     metadata, text files, conversion records, catalog).

Every run gets a fresh ARCHIVE_DIR, ``RECRAWL_AFTER=0`` and ``LOG_LEVEL=WARNING``; before it, the
same mode crawls an empty sitemap, to measure its start-up and shutdown. Measured per run: wall
time of the ``scrapy crawl`` process; responses (``fetched`` of the run's stats.json); CPU time of
the crawl process (exact: its zombie's /proc/PID/stat, read before reaping it) and of its child
processes (each child's last /proc/PID/stat value seen by a sampler every 0.2 s, or what the crawl
process reaped, whichever is more); CPU time of the nginx worker (not the crawler's, but it shares
the cores); peak RSS of the process tree (sum of RSS of the crawl process and all its descendants,
sampled every 0.2 s) and the crawl process's own VmHWM. Each mode's row is the median over the
rounds; "steady" figures take off the mode's start-up (the empty crawls' median).

``--memory N`` adds one mode-c crawl of an N-page site (LOG_LEVEL=INFO, LOGSTATS_INTERVAL=2): the
tree's RSS is reported against the pages crawled so far (Scrapy's "Crawled N pages" log lines) at
5k, 10k, 20k ... pages. No Python package beyond the project's is needed; nginx comes from the OS.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.metadata
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import newssite  # noqa: E402
from nginx import Nginx, nginx_version  # noqa: E402

STOCK_HANDLER = "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"
MODES = {
    "a": ("fetch-only Scrapy", {
        "DOWNLOAD_HANDLERS": json.dumps({"http": STOCK_HANDLER, "https": STOCK_HANDLER}),
        "WARC_ENABLED": "False",
        "ITEM_PIPELINES": "{}",
        "ARCHIVE_REQUISITES": "False",
    }),
    "b": ("fetch + WARC", {"ITEM_PIPELINES": "{}", "ARCHIVE_REQUISITES": "False"}),
    "c": ("full pipeline", {"ARCHIVE_REQUISITES": "False"}),
    # (c) plus page requisites (the default): the stylesheet and logo all pages share, each
    # article's images; `--modes c,d` prints what requisites cost per article
    "d": ("full pipeline + requisites", {}),
}
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_EVERY = 0.2
CRAWLED_LINE = re.compile(r"Crawled (\d+) pages \(at [\d.]+ pages/min\), scraped (\d+) items")


# --- /proc ---------------------------------------------------------------------------
def descendants(pid: int) -> list[int]:
    """pid's children, grandchildren, ... (from /proc/PID/task/*/children)."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{parent}/task/{tid}/children") as f:
                    kids = [int(c) for c in f.read().split()]
            except OSError:
                continue
            found += kids
            todo += kids
    return found


def proc_cpu_seconds(pid: int, with_children: bool = False) -> float | None:
    """utime + stime of the process (plus cutime + cstime: its children it waited for)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = int(fields[11]) + int(fields[12])
    if with_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLK_TCK


def proc_rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def proc_hwm(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class Sampler(threading.Thread):
    """Every 0.2 s: RSS of the process tree, the root's VmHWM, each descendant's CPU time."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.stopped = threading.Event()
        self.peak_tree_rss = 0
        self.current_tree_rss = 0
        self.main_hwm = 0
        self.max_children = 0
        self.child_cpu: dict[int, float] = {}
        self.lock = threading.Lock()

    def sample(self) -> None:
        kids = descendants(self.pid)
        rss = proc_rss(self.pid) + sum(proc_rss(k) for k in kids)
        hwm = proc_hwm(self.pid)
        with self.lock:
            self.current_tree_rss = rss
            self.peak_tree_rss = max(self.peak_tree_rss, rss)
            self.main_hwm = max(self.main_hwm, hwm)
            self.max_children = max(self.max_children, len(kids))
            for kid in kids:
                cpu = proc_cpu_seconds(kid)
                if cpu is not None:
                    self.child_cpu[kid] = max(cpu, self.child_cpu.get(kid, 0.0))

    def run(self) -> None:
        while not self.stopped.wait(SAMPLE_EVERY):
            self.sample()

    def stop(self) -> None:
        self.stopped.set()
        self.join()


# --- one crawl -------------------------------------------------------------------------
@dataclass
class Run:
    mode: str
    round: int
    exit_status: int
    wall_s: float
    responses: int
    archived: int
    errors: int
    cpu_s: float  # crawl process + its children
    crawler_cpu_s: float
    children_cpu_s: float
    nginx_cpu_s: float
    peak_tree_rss_mb: float
    crawler_hwm_mb: float
    max_children: int
    warc_mb: float
    progress: list = field(default_factory=list)  # memory run: [pages, items, tree RSS MB, seconds]
    requisites: int = 0  # page requisites fetched (mode d)
    requisite_bytes: int = 0

    @property
    def pages_per_s(self) -> float:
        return self.responses / self.wall_s if self.wall_s else 0.0

    def ms_per_page(self, seconds: float) -> float:
        return 1000 * seconds / self.responses if self.responses else float("nan")


def crawl_command(base: str, archive: Path, mode: str, log_level: str, extra: list[str],
                  sitemap: str = "/sitemap.xml") -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "sitemap", "-a", f"urls={base}{sitemap}",
           "-s", f"ARCHIVE_DIR={archive}", "-s", "RECRAWL_AFTER=0", "-s", f"LOG_LEVEL={log_level}"]
    for name, value in MODES[mode][1].items():
        cmd += ["-s", f"{name}={value}"]
    for setting in extra:
        cmd += ["-s", setting]
    return cmd


def run_crawl(server: Nginx, mode: str, round_: int, workdir: Path, extra: list[str], *, keep: bool = False,
              progress: bool = False, repo: Path = REPO, sitemap: str = "/sitemap.xml") -> Run:
    archive = workdir / f"{mode}-{round_}{'-empty' if sitemap != '/sitemap.xml' else ''}"
    shutil.rmtree(archive, ignore_errors=True)
    archive.mkdir(parents=True)
    log_path = archive / "crawl.log"
    cmd = crawl_command(server.base, archive, mode, "INFO" if progress else "WARNING",
                        (["LOGSTATS_INTERVAL=2"] if progress else []) + extra, sitemap)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(repo), os.environ.get("PYTHONPATH")]))}
    nginx_before = server.worker_cpu_seconds()
    points: list = []
    with open(log_path, "w") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=repo, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.PIPE if progress else log, text=True)
        sampler = Sampler(proc.pid)
        sampler.start()
        reader = None
        if progress:
            def read_progress() -> None:
                for line in proc.stderr:
                    log.write(line)
                    match = CRAWLED_LINE.search(line)
                    if match:
                        sampler.sample()
                        with sampler.lock:
                            rss = sampler.current_tree_rss
                        points.append([int(match.group(1)), int(match.group(2)), round(rss / 2**20, 1),
                                       round(time.perf_counter() - started, 1)])
            reader = threading.Thread(target=read_progress, daemon=True)
            reader.start()
        try:
            # Wait without reaping: the zombie's /proc/PID/stat still holds its final CPU times.
            os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
            wall = time.perf_counter() - started
            own_cpu = proc_cpu_seconds(proc.pid)
            own_and_reaped = proc_cpu_seconds(proc.pid, with_children=True)
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        proc.returncode = os.waitstatus_to_exitcode(status)
        sampler.stop()
        if reader is not None:
            reader.join(timeout=10)
            proc.stderr.close()
    nginx_cpu = server.worker_cpu_seconds() - nginx_before
    summary = {}
    for path in (archive / "warc").glob("*.stats.json"):
        summary = json.loads(path.read_text())
    if not summary:
        tail = log_path.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"mode {mode}: the crawl wrote no stats.json (exit {proc.returncode}); log:\n{tail}")
    # The crawl process's own CPU is exact. Its children's: each child's last sampled value (a pool
    # worker that the crawl process does not reap, e.g. under a forkserver, is not in its rusage), or
    # what the crawl process reaped, whichever is more.
    reaped = (usage.ru_utime + usage.ru_stime) - (own_cpu if own_cpu is not None else 0.0)
    if own_cpu is None:  # no /proc entry: rusage only
        own_cpu, reaped = usage.ru_utime + usage.ru_stime, 0.0
    elif own_and_reaped is not None:
        reaped = max(reaped, own_and_reaped - own_cpu)
    children_cpu = max(sum(sampler.child_cpu.values()), reaped)
    total_cpu = own_cpu + children_cpu
    warc_bytes = sum(p.stat().st_size for p in (archive / "warc").glob("*.warc*"))
    run = Run(mode=mode, round=round_, exit_status=proc.returncode, wall_s=wall, responses=summary["fetched"],
              archived=summary["archived"], errors=summary["errors"], cpu_s=total_cpu,
              crawler_cpu_s=own_cpu, children_cpu_s=children_cpu, nginx_cpu_s=nginx_cpu,
              peak_tree_rss_mb=sampler.peak_tree_rss / 2**20, crawler_hwm_mb=sampler.main_hwm / 2**20,
              max_children=sampler.max_children, warc_mb=warc_bytes / 1e6, progress=points,
              requisites=summary.get("requisites", {}).get("fetched", 0),
              requisite_bytes=summary.get("requisites", {}).get("bytes", 0))
    if not keep:
        shutil.rmtree(archive, ignore_errors=True)
    return run


# --- report ------------------------------------------------------------------------------
def machine() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    with contextlib.suppress(OSError, IndexError, ValueError):
        mem = int(Path("/proc/meminfo").read_text().split()[1]) * 1024

    def version(dist: str) -> str:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return "?"

    return {"cpu": model, "cores": os.cpu_count(), "usable_cores": len(os.sched_getaffinity(0)),
            "memory_gb": round(mem / 2**30, 1), "kernel": platform.release(),
            "python": platform.python_version(), "scrapy": version("scrapy"), "trafilatura": version("trafilatura"),
            "lxml": version("lxml"), "warcio": version("warcio"), "nginx": nginx_version()}


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarize(runs: list[Run], empties: list[Run]) -> dict:
    """Median over the rounds; "steady" figures take off the start-up and shutdown of the mode's
    empty crawls (a sitemap without URLs: imports, reactor, robots.txt, pool start, close)."""
    startup_wall = median([r.wall_s for r in empties]) if empties else 0.0
    startup_cpu = median([r.cpu_s for r in empties]) if empties else 0.0
    startup_responses = int(median([r.responses for r in empties])) if empties else 0

    def steady_rate(r: Run) -> float:
        return (r.responses - startup_responses) / max(1e-9, r.wall_s - startup_wall)

    def steady_ms(r: Run) -> float:
        return 1000 * (r.cpu_s - startup_cpu) / max(1, r.responses - startup_responses)

    return {
        "runs": len(runs),
        "responses": int(median([r.responses for r in runs])),
        "wall_s": median([r.wall_s for r in runs]),
        "pages_per_s": median([r.pages_per_s for r in runs]),
        "pages_per_s_min": min(r.pages_per_s for r in runs),
        "pages_per_s_max": max(r.pages_per_s for r in runs),
        "startup_wall_s": startup_wall,
        "startup_cpu_s": startup_cpu,
        "steady_pages_per_s": median([steady_rate(r) for r in runs]) if empties else float("nan"),
        "cpu_ms_per_page": median([r.ms_per_page(r.cpu_s) for r in runs]),
        "steady_cpu_ms_per_page": median([steady_ms(r) for r in runs]) if empties else float("nan"),
        "crawler_ms_per_page": median([r.ms_per_page(r.crawler_cpu_s) for r in runs]),
        "children_ms_per_page": median([r.ms_per_page(r.children_cpu_s) for r in runs]),
        "nginx_ms_per_page": median([r.ms_per_page(r.nginx_cpu_s) for r in runs]),
        "peak_tree_rss_mb": median([r.peak_tree_rss_mb for r in runs]),
        "crawler_hwm_mb": median([r.crawler_hwm_mb for r in runs]),
        "max_children": max(r.max_children for r in runs),
        "warc_mb": median([r.warc_mb for r in runs]),
        "archived": int(median([r.archived for r in runs])),
        "errors": max(r.errors for r in runs),
        "exit_status": sorted({r.exit_status for r in runs}),
        "cpu_ms_per_article": median([1000 * r.cpu_s / max(1, r.archived) for r in runs]),
        "wall_ms_per_article": median([1000 * r.wall_s / max(1, r.archived) for r in runs]),
        "requisites_per_article": median([r.requisites / max(1, r.archived) for r in runs]),
        "requisite_kb_per_article": median([r.requisite_bytes / 1024 / max(1, r.archived) for r in runs]),
    }


def print_requisite_cost(summaries: dict[str, dict]) -> None:
    """What page requisites cost per archived article: mode d against mode c."""
    if "c" not in summaries or "d" not in summaries:
        return
    c, d = summaries["c"], summaries["d"]
    print(f"page requisites: {d['requisites_per_article']:.2f} fetched per article "
          f"({d['requisite_kb_per_article']:.1f} KB); per article CPU {c['cpu_ms_per_article']:.1f} -> "
          f"{d['cpu_ms_per_article']:.1f} ms (+{d['cpu_ms_per_article'] - c['cpu_ms_per_article']:.1f}), "
          f"wall {c['wall_ms_per_article']:.1f} -> {d['wall_ms_per_article']:.1f} ms", flush=True)


def print_run(run: Run) -> None:
    print(f"  round {run.round} mode {run.mode}: {run.responses} responses in {run.wall_s:.1f} s = "
          f"{run.pages_per_s:.1f} pages/s, CPU {run.ms_per_page(run.cpu_s):.2f} ms/page "
          f"(crawler {run.ms_per_page(run.crawler_cpu_s):.2f}, children {run.ms_per_page(run.children_cpu_s):.2f}, "
          f"nginx {run.ms_per_page(run.nginx_cpu_s):.2f}), peak RSS {run.peak_tree_rss_mb:.0f} MB, "
          f"{run.archived} archived, exit {run.exit_status}", flush=True)


def print_table(summaries: dict[str, dict]) -> None:
    head = ("mode", "pages/s (min-max)", "steady pages/s", "CPU ms/page", "steady CPU ms/page", "crawler",
            "children", "nginx", "peak RSS MB", "start-up s", "archived", "exit")
    rows = []
    for mode, s in summaries.items():
        rows.append((f"{mode} {MODES[mode][0]}",
                     f"{s['pages_per_s']:.1f} ({s['pages_per_s_min']:.1f}-{s['pages_per_s_max']:.1f})",
                     f"{s['steady_pages_per_s']:.1f}", f"{s['cpu_ms_per_page']:.2f}",
                     f"{s['steady_cpu_ms_per_page']:.2f}", f"{s['crawler_ms_per_page']:.2f}",
                     f"{s['children_ms_per_page']:.2f}", f"{s['nginx_ms_per_page']:.2f}",
                     f"{s['peak_tree_rss_mb']:.0f}", f"{s['startup_wall_s']:.1f}", str(s["archived"]),
                     ",".join(map(str, s["exit_status"]))))
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


EXTRACTION_PROBE = """
import json, sys, time
from pipelines.extraction import stories
from pipelines.extraction.extract import extract_article
pages = json.load(sys.stdin)
bodies = [(url, open(path, "rb").read()) for url, path in pages]
for url, body in bodies[:20]:  # warm caches and imports, as a worker does before its first page
    extract_article(body, url)
started = time.process_time()
for url, body in bodies:
    article = extract_article(body, url)
    if article is not None and article.text:
        stories.fingerprint(article.text)
print(json.dumps({"pages": len(bodies), "cpu_s": time.process_time() - started}))
"""


def extraction_cpu_ms(site: Path, base: str, repo: Path, sample: int) -> float:
    """extract_article plus the story fingerprint per page, timed in one process outside the
    crawl (CPU time), on ``sample`` of the site's articles (evenly spread), from the checkout."""
    articles = json.loads((site / "manifest.json").read_text(encoding="utf-8"))["articles"]
    step = max(1, len(articles) // sample)
    pages = [[base + path, str(site / path.lstrip("/"))] for path, *_ in articles[::step][:sample]]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(repo), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", EXTRACTION_PROBE], input=json.dumps(pages), capture_output=True,
                          text=True, cwd=repo, env=env, check=True)
    measured = json.loads(done.stdout)
    return 1000 * measured["cpu_s"] / measured["pages"]


def limit(summaries: dict[str, dict], extraction_ms: float, cores: int) -> dict | None:
    """The most pages/s the full pipeline can reach on ``cores`` cores: C / (fetch-only CPU per
    page, crawler and server, + extraction CPU per page)."""
    a, c = summaries.get("a"), summaries.get("c")
    if not a or not c:
        return None
    fetch_ms = a["cpu_ms_per_page"] + a["nginx_ms_per_page"]
    pages_per_s = 1000 * cores / (fetch_ms + extraction_ms)
    return {"cores": cores, "fetch_only_ms": fetch_ms, "extraction_ms": extraction_ms, "limit_pages_per_s": pages_per_s,
            "full_pages_per_s": c["pages_per_s"], "share": c["pages_per_s"] / pages_per_s,
            "crawler_ms_over_fetch_only": c["crawler_ms_per_page"] - a["crawler_ms_per_page"]}


def ratios(summaries: dict[str, dict]) -> dict:
    out = {}
    base = summaries.get("a")
    for mode in ("b", "c"):
        if base and mode in summaries:
            s = summaries[mode]
            out[f"{mode}/a"] = {key: s[key] / base[key] for key in
                                ("pages_per_s", "steady_pages_per_s", "cpu_ms_per_page", "steady_cpu_ms_per_page")}
    return out


def describe(repo: Path) -> str:
    """git describe of the checkout, '+ uncommitted changes' when its work tree differs from HEAD."""
    try:
        head = subprocess.run(["git", "-C", str(repo), "log", "-1", "--format=%h %s"], capture_output=True,
                              text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "not a git checkout"
    if head.returncode != 0:
        return "not a git checkout"
    return head.stdout.strip() + (" + uncommitted changes" if dirty.stdout.strip() else "")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- main --------------------------------------------------------------------------------
def ensure_site(cache: Path, pages: int, seed: int) -> Path:
    site = cache / f"site-s{seed}-n{pages}-v{newssite.GENERATOR_VERSION}"
    if not newssite.is_generated(site, pages, seed):
        shutil.rmtree(site, ignore_errors=True)
        started = time.perf_counter()
        print(f"generating a {pages}-page site in {site} ...", flush=True)
        newssite.generate(site, pages, seed)
        print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
    return site


def memory_run(cache: Path, pages: int, seed: int, workdir: Path, extra: list[str], keep: bool, repo: Path) -> dict:
    site = ensure_site(cache, pages, seed)
    with Nginx(site) as server:
        newssite.write_discovery(site, server.base)
        print(f"\nmemory: mode c over {pages} pages on {server.base} (load {load()}) ...", flush=True)
        run = run_crawl(server, "c", 0, workdir, extra, keep=keep, progress=True, repo=repo)
    print_run(run)
    checkpoints = [n for n in (1000, 2000, 5000, 10000, 20000, 50000, 100000) if n <= pages]
    if pages not in checkpoints:
        checkpoints.append(pages)
    report = []
    peak_so_far = 0.0
    points = run.progress
    for point in points:
        peak_so_far = max(peak_so_far, point[2])
        point.append(peak_so_far)
    for n in checkpoints:
        hit = next((p for p in points if p[0] >= n), None)
        if hit is not None:
            report.append({"pages": n, "crawled": hit[0], "tree_rss_mb": hit[2], "peak_so_far_mb": hit[4],
                           "seconds": hit[3]})
    print("| pages crawled | RSS of the crawler tree (MB) | peak so far (MB) | elapsed s |")
    print("|---|---|---|---|")
    for r in report:
        print(f"| {r['crawled']} (>= {r['pages']}) | {r['tree_rss_mb']:.0f} | {r['peak_so_far_mb']:.0f} "
              f"| {r['seconds']:.0f} |")
    print(f"whole run: peak tree RSS {run.peak_tree_rss_mb:.0f} MB, crawler VmHWM {run.crawler_hwm_mb:.0f} MB, "
          f"{run.pages_per_s:.1f} pages/s, {run.ms_per_page(run.cpu_s):.2f} CPU ms/page")
    return {"run": asdict(run), "checkpoints": report}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="article pages of the site (default 2000)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each mode (default 3)")
    parser.add_argument("--modes", default="a,b,c", help="which modes, in this order each round (default a,b,c)")
    parser.add_argument("--memory", type=int, default=0, metavar="N",
                        help="also one mode-c crawl of an N-page site, RSS against pages crawled (e.g. 20000)")
    parser.add_argument("--seed", type=int, default=newssite.DEFAULT_SEED)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "news-archive-bench",
                        help="where generated sites and run archives go (default: %(default)s)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="extra Scrapy setting for every run (repeatable), e.g. CONCURRENT_REQUESTS=32")
    parser.add_argument("--repo", type=Path, default=REPO,
                        help="the checkout to benchmark (default: this one), e.g. an unpacked `git archive` of an "
                             "older commit; its crawler runs with this Python")
    parser.add_argument("--no-startup", action="store_true",
                        help="skip the empty crawls that measure each mode's start-up (no steady figures)")
    parser.add_argument("--no-warmup", action="store_true", help="skip the untimed warm-up crawl")
    parser.add_argument("--keep", action="store_true", help="keep each run's ARCHIVE_DIR under --cache")
    parser.add_argument("--extraction-sample", type=int, default=300,
                        help="articles timed outside the crawl for the limit (default 300)")
    parser.add_argument("--json", type=Path, help="write every measurement to this file")
    args = parser.parse_args(argv)
    args.repo = args.repo.resolve()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        parser.error(f"unknown mode(s) {unknown}; choose from a, b, c")

    info = machine()
    print(f"machine: {info['cpu']}, {info['usable_cores']} usable cores of {info['cores']}, "
          f"{info['memory_gb']} GB, Linux {info['kernel']}; Python {info['python']}, Scrapy {info['scrapy']}, "
          f"trafilatura {info['trafilatura']}, lxml {info['lxml']}, warcio {info['warcio']}, nginx {info['nginx']}")
    print(f"code: {args.repo} ({describe(args.repo)})")
    print(f"date: {dt.datetime.now().astimezone().isoformat(timespec='seconds')}; load average {load()}", flush=True)
    args.cache.mkdir(parents=True, exist_ok=True)
    workdir = args.cache / f"runs-{os.getpid()}"
    results: dict = {"machine": info, "args": {k: str(v) for k, v in vars(args).items()},
                     "load_before": os.getloadavg()}
    runs: list[Run] = []
    empties: list[Run] = []
    extraction_ms: float | None = None
    try:
        if modes and args.rounds > 0:
            site = ensure_site(args.cache, args.pages, args.seed)
            with Nginx(site) as server:
                newssite.write_discovery(site, server.base)
                print(f"serving {site} on {server.base} (nginx, gzip level 5)", flush=True)
                if "a" in modes and "c" in modes:
                    extraction_ms = extraction_cpu_ms(site, server.base, args.repo, args.extraction_sample)
                    print(f"extraction outside the crawl (extract_article + story fingerprint, one process, "
                          f"{args.extraction_sample} pages): {extraction_ms:.2f} CPU ms/page", flush=True)
                if not args.no_warmup:
                    print("warm-up (mode c, 200 pages, not counted) ...", flush=True)
                    run_crawl(server, "c", 0, workdir, [*args.set, "CLOSESPIDER_PAGECOUNT=200"], repo=args.repo)
                for round_ in range(1, args.rounds + 1):
                    for mode in modes:
                        if not args.no_startup:
                            empties.append(run_crawl(server, mode, round_, workdir, args.set, repo=args.repo,
                                                     sitemap="/empty-sitemap.xml"))
                        run = run_crawl(server, mode, round_, workdir, args.set, keep=args.keep, repo=args.repo)
                        print_run(run)
                        runs.append(run)
            summaries = {m: summarize([r for r in runs if r.mode == m], [r for r in empties if r.mode == m])
                         for m in modes}
            results.update(runs=[asdict(r) for r in runs], startup_runs=[asdict(r) for r in empties],
                           summary=summaries, ratios=ratios(summaries))
            print(f"\n{args.pages} article pages, {args.rounds} rounds, median per mode; CPU ms/page = crawl "
                  "process + its children (crawler, children), nginx's worker apart; RSS = crawler process tree")
            print_table(summaries)
            print_requisite_cost(summaries)
            for name, r in results["ratios"].items():
                print(f"ratio {name}: pages/s {r['pages_per_s']:.2f}x (steady {r['steady_pages_per_s']:.2f}x), "
                      f"CPU ms/page {r['cpu_ms_per_page']:.2f}x (steady {r['steady_cpu_ms_per_page']:.2f}x)")
            if extraction_ms is not None and (bound := limit(summaries, extraction_ms, info["usable_cores"])):
                results["limit"] = bound
                print(f"limit = {bound['cores']} cores / (fetch-only {bound['fetch_only_ms']:.2f} ms/page crawler + "
                      f"server, + extraction {bound['extraction_ms']:.2f} ms/page)")
                print(f"full pipeline {bound['full_pages_per_s']:.1f} pages/s = {100 * bound['share']:.0f} % of the "
                      f"limit {bound['limit_pages_per_s']:.1f} pages/s; crawl process "
                      f"{bound['crawler_ms_over_fetch_only']:+.2f} ms/page over fetch-only")
        if args.memory:
            results["memory"] = memory_run(args.cache, args.memory, args.seed, workdir, args.set, args.keep,
                                           args.repo.resolve())
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    results["load_after"] = os.getloadavg()
    print(f"load average at the end: {load()}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

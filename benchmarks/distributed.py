"""Distributed crawl benchmark: 1 worker vs 2 workers on one shared Redis frontier.

    .venv/bin/python benchmarks/distributed.py [--pages 2000] [--rounds 2]

The generated news site of benchmarks/crawl.py (cached by seed and page count), served by nginx on
127.0.0.1, and a redis-server (the OS package) on a free port. Each round, for 1 and then 2 workers
(interleaved, so that a change in the machine's load hits both alike): a fresh key prefix and
ARCHIVE_DIR, ``scrapy seed sitemap SITE/sitemap.xml``, then N ``scrapy crawl sitemap
-s DISTRIBUTED=1`` processes started together with the project's full pipeline (capture, WARC,
extraction pool, text, catalog, shared catalog in Redis) and ``DISTRIBUTED_IDLE_EXIT=0``.
Measured: wall time from starting the workers until the last one exits; responses fetched and
articles archived (the workers' stats files; pages/s counts responses); CPU seconds of each worker
with its extraction processes (wait4 rusage), of nginx's worker and of redis-server. The table
shows each N's median; the speed-up is pages/s of 2 workers over 1 in the same rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import newssite  # noqa: E402
from crawl import ensure_site, load, machine, proc_cpu_seconds  # noqa: E402
from nginx import Nginx, free_port  # noqa: E402


def start_redis(directory: Path) -> tuple[subprocess.Popen, str]:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory),
                                "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 15
    while subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).stdout.strip() != b"PONG":
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError("redis-server did not start")
        time.sleep(0.05)
    return process, f"redis://127.0.0.1:{port}/0"


def run(workers: int, round_: int, base: str, redis_url: str, redis_pid: int, nginx: Nginx, workdir: Path,
        extra: list[str]) -> dict:
    prefix = f"bench-{workers}w-{round_}"
    archive = workdir / prefix
    shutil.rmtree(archive, ignore_errors=True)
    archive.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    common = ["-s", f"REDIS_URL={redis_url}", "-s", f"DISTRIBUTED_KEY_PREFIX={prefix}"]
    subprocess.run([sys.executable, "-m", "scrapy", "seed", "sitemap", f"{base}/sitemap.xml", *common],
                   cwd=REPO, env=env, check=True, capture_output=True)
    cmd = [sys.executable, "-m", "scrapy", "crawl", "sitemap", "-s", "DISTRIBUTED=1", *common,
           "-s", f"ARCHIVE_DIR={archive}", "-s", "DISTRIBUTED_IDLE_EXIT=0", "-s", "LOG_LEVEL=WARNING",
           "-s", "ARCHIVE_REPORT=0", *sum((["-s", s] for s in extra), [])]
    nginx_before, redis_before = nginx.worker_cpu_seconds(), proc_cpu_seconds(redis_pid)
    started = time.perf_counter()
    logs = [open(archive / f"worker-{n}.log", "w") for n in range(workers)]  # noqa: SIM115
    pids = [subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT).pid for log in logs]
    cpu, statuses = [], []
    for pid in pids:
        _, status, usage = os.wait4(pid, 0)
        statuses.append(os.waitstatus_to_exitcode(status))
        cpu.append(usage.ru_utime + usage.ru_stime)
    wall = time.perf_counter() - started
    for log in logs:
        log.close()
    stats = [json.loads(p.read_text()) for p in (archive / "warc").glob("*.stats.json")]
    archived = sum(s["archived"] for s in stats)
    fetched = sum(s["fetched"] for s in stats)
    result = {"workers": workers, "round": round_, "wall_s": wall, "archived": archived, "fetched": fetched,
              "per_worker": [s["fetched"] for s in stats], "exit": statuses, "pages_per_s": fetched / wall,
              "worker_cpu_s": cpu, "nginx_cpu_s": nginx.worker_cpu_seconds() - nginx_before,
              "redis_cpu_s": proc_cpu_seconds(redis_pid) - redis_before}
    shutil.rmtree(archive, ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=newssite.DEFAULT_SEED)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "news-archive-bench")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="extra -s for workers")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    info = machine()
    print(f"machine: {info['cpu']}, {info['usable_cores']} usable cores; Python {info['python']}, "
          f"Scrapy {info['scrapy']}; load average {load()}", flush=True)
    args.cache.mkdir(parents=True, exist_ok=True)
    site = ensure_site(args.cache, args.pages, args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="bench-distributed-", dir=args.cache))
    redis_process, redis_url = start_redis(workdir)
    results = []
    try:
        with Nginx(site) as nginx:
            newssite.write_discovery(site, nginx.base)
            for round_ in range(1, args.rounds + 1):
                for workers in (1, 2):
                    r = run(workers, round_, nginx.base, redis_url, redis_process.pid, nginx, workdir, args.set)
                    results.append(r)
                    print(f"round {round_}, {workers} worker(s): {r['fetched']} fetched {r['per_worker']}, "
                          f"{r['archived']} articles archived, in "
                          f"{r['wall_s']:.1f} s = {r['pages_per_s']:.1f} pages/s; exit {r['exit']}; CPU s: workers "
                          f"{[round(c, 1) for c in r['worker_cpu_s']]}, nginx {r['nginx_cpu_s']:.1f}, "
                          f"redis {r['redis_cpu_s']:.1f}", flush=True)
    finally:
        redis_process.terminate()
        redis_process.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    rates = {n: statistics.median(r["pages_per_s"] for r in results if r["workers"] == n) for n in (1, 2)}
    cpu_ms = {n: statistics.median(1000 * (sum(r["worker_cpu_s"]) + r["nginx_cpu_s"] + r["redis_cpu_s"])
                                   / max(1, r["fetched"]) for r in results if r["workers"] == n) for n in (1, 2)}
    print(f"\n{args.pages} pages, {args.rounds} rounds, medians: 1 worker {rates[1]:.1f} pages/s "
          f"({cpu_ms[1]:.1f} CPU ms/page in all), 2 workers {rates[2]:.1f} pages/s ({cpu_ms[2]:.1f} CPU ms/page); "
          f"speed-up {rates[2] / rates[1]:.2f}x; load average at the end {load()}")
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "runs": results, "rates": rates}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

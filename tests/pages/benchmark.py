"""Median ms/page of extract_article vs plain trafilatura.extract(with_metadata=True),
measured side by side (interleaved) on the fixture pages.

    .venv/bin/python tests/pages/benchmark.py [ROUNDS]
"""

from __future__ import annotations

import logging
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import trafilatura  # noqa: E402
from golden import CASES  # noqa: E402

from pipelines.extraction.extract import extract_article  # noqa: E402


def main() -> None:
    logging.disable(logging.WARNING)  # trafilatura logs every discarded page
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    pages = [(case.name, case.page_path.read_bytes(), case.url) for case in CASES]
    timings: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name, _, _ in pages}
    for _ in range(rounds):
        for name, html, url in pages:
            start = time.perf_counter()
            trafilatura.extract(html, url=url, with_metadata=True)
            middle = time.perf_counter()
            extract_article(html, url)
            end = time.perf_counter()
            timings[name][0].append((middle - start) * 1000)
            timings[name][1].append((end - middle) * 1000)
    print(f"pages={len(pages)} rounds={rounds}")
    for name, (plain, ours) in timings.items():
        print(f"  {name:28} plain {statistics.median(plain):6.2f} ms   ours {statistics.median(ours):6.2f} ms")
    plain_ms = statistics.median(t for plain, _ in timings.values() for t in plain)
    ours_ms = statistics.median(t for _, ours in timings.values() for t in ours)
    print(f"trafilatura.extract(with_metadata=True): median {plain_ms:.2f} ms/page")
    print(f"extract_article:                         median {ours_ms:.2f} ms/page ({ours_ms / plain_ms:.2f}x)")


if __name__ == "__main__":
    main()

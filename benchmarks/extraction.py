"""Score pipelines.extract.extract_article on the ScrapingHub/Zyte article extraction benchmark,
side by side with plain trafilatura, in one interleaved run.

    .venv/bin/python benchmarks/extraction.py ../shared/datasets/article-extraction-benchmark [--worst 10]

The dataset (181 pages + ground-truth.json, MIT) is read where it lies; nothing is copied.
The metric is the benchmark's own (its evaluate.py): tokens are ``\\w+`` runs (case kept),
shingles are 4-grams counted as a multiset, each page's TP/FP/FN are normalised to sum 1,
precision is averaged over pages with TP+FP > 0 (an empty prediction has none), recall over
pages with TP+FN > 0, and F1 is computed from the two averages.

Pages are split in two fixed halves by a hash of their file name ("dev" and "held-out"), so
that a rule tuned on one half and failing on the other would show. Timing compares
extract_article with ``trafilatura.extract(html, url=url, with_metadata=True)``, interleaved
page by page (alternating which runs first) because this machine is noisy.

--score-file FILE scores a prediction JSON in the benchmark's format instead (e.g. the
published-outputs), to check this implementation of the metric against the README.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import logging
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import trafilatura  # noqa: E402

from pipelines.extraction.extract import extract_article  # noqa: E402

# --- the benchmark's metric (evaluate.py, re-implemented) ----------------------------------

_TOKEN_RE = re.compile(r"\w+", re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL)
NGRAM_N = 4


def tokenize(text: str | None) -> list[str]:
    return _TOKEN_RE.findall(text or "")


def shingles(text: str | None, n: int = NGRAM_N) -> Counter[tuple[str, ...]]:
    tokens = tokenize(text)
    # as upstream: a text shorter than n tokens is one (short) shingle, an empty text none
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def tp_fp_fn(true: str | None, pred: str | None) -> tuple[float, float, float]:
    true_counts, pred_counts = shingles(true), shingles(pred)
    tp = fp = fn = 0.0
    for key in true_counts.keys() | pred_counts.keys():
        t, p = true_counts.get(key, 0), pred_counts.get(key, 0)
        tp += min(t, p)
        fp += max(0, p - t)
        fn += max(0, t - p)
    total = tp + fp + fn
    if total > 0:  # normalised so that long pages do not weigh more
        return tp / total, fp / total, fn / total
    return tp, fp, fn


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


def metrics(counts: list[tuple[float, float, float]]) -> dict[str, float]:
    precisions = [_precision(*c) for c in counts if c[0] + c[1] > 0]
    recalls = [_recall(*c) for c in counts if c[0] + c[2] > 0]
    precision = statistics.mean(precisions) if precisions else 0.0
    recall = statistics.mean(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": f1, "precision": precision, "recall": recall}


def bootstrap_std(counts: list[tuple[float, float, float]], rounds: int = 1000, seed: int = 0) -> dict[str, float]:
    rng = random.Random(seed)
    values: dict[str, list[float]] = {}
    for _ in range(rounds):
        sample = [counts[rng.randrange(len(counts))] for _ in counts]
        for key, value in metrics(sample).items():
            values.setdefault(key, []).append(value)
    return {key: statistics.stdev(v) if len(v) > 1 else 0.0 for key, v in values.items()}


def page_f1(counts: tuple[float, float, float]) -> float:
    p, r = _precision(*counts), _recall(*counts)
    return 2 * p * r / (p + r) if p + r else 0.0


# --- dataset ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    item_id: str
    url: str | None
    html: str
    truth: str

    @property
    def half(self) -> str:
        """Fixed split by a hash of the file name: 'dev' or 'held-out'."""
        return "dev" if hashlib.sha256(f"{self.item_id}.html.gz".encode()).digest()[0] % 2 == 0 else "held-out"


def load_pages(dataset: Path) -> list[Page]:
    truth = json.loads((dataset / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for item_id in sorted(truth):
        with gzip.open(dataset / "html" / f"{item_id}.html.gz", "rt", encoding="utf-8") as handle:
            html = handle.read()
        pages.append(Page(item_id, truth[item_id].get("url"), html, truth[item_id].get("articleBody", "")))
    return pages


# --- systems ------------------------------------------------------------------------------


def ours(page: Page) -> str:
    article = extract_article(page.html, page.url)
    return article.text if article else ""


def trafilatura_default(page: Page) -> str:
    return trafilatura.extract(page.html, url=page.url) or ""


def trafilatura_best(page: Page) -> str:
    return trafilatura.extract(page.html, url=page.url, favor_precision=True, include_comments=False) or ""


def trafilatura_with_metadata(page: Page) -> str:
    """The timing reference: what a crawler calls to get text and metadata from trafilatura."""
    return trafilatura.extract(page.html, url=page.url, with_metadata=True) or ""


SYSTEMS: dict[str, Callable[[Page], str]] = {
    "trafilatura (defaults)": trafilatura_default,
    "trafilatura (favor_precision, no comments)": trafilatura_best,
    "extract_article (ours)": ours,
}
OURS = "extract_article (ours)"
BEST_TRAFILATURA = "trafilatura (favor_precision, no comments)"
TIMING_REFERENCE = "trafilatura.extract(with_metadata=True)"


@dataclass
class Result:
    predictions: dict[str, str] = field(default_factory=dict)
    counts: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    ms: list[float] = field(default_factory=list)


def run(pages: list[Page], timed_repeats: int) -> dict[str, Result]:
    results = {name: Result() for name in (*SYSTEMS, TIMING_REFERENCE)}
    for index, page in enumerate(pages):
        for name, system in SYSTEMS.items():
            if name != OURS:
                prediction = system(page)
                results[name].predictions[page.item_id] = prediction
                results[name].counts[page.item_id] = tp_fp_fn(page.truth, prediction)
        # Timed pair, interleaved: alternate which goes first so that cache warmth and
        # CPU frequency drift do not favour one side.
        pair = [(OURS, ours), (TIMING_REFERENCE, trafilatura_with_metadata)]
        if index % 2:
            pair.reverse()
        for _ in range(timed_repeats):
            for name, system in pair:
                start = time.perf_counter()
                prediction = system(page)
                results[name].ms.append((time.perf_counter() - start) * 1000)
                results[name].predictions[page.item_id] = prediction
        results[OURS].counts[page.item_id] = tp_fp_fn(page.truth, results[OURS].predictions[page.item_id])
    return results


# --- report -------------------------------------------------------------------------------


def summary_line(counts: list[tuple[float, float, float]], ms: list[float] | None = None) -> str:
    m = metrics(counts)
    line = f"F1 {m['f1']:.3f} precision {m['precision']:.3f} recall {m['recall']:.3f} n {len(counts)}"
    if ms:
        line += f" ms/page {statistics.median(ms):.1f}"
    return line


def print_table(results: dict[str, Result], pages: list[Page]) -> None:
    halves = {half: [p.item_id for p in pages if p.half == half] for half in ("dev", "held-out")}
    print(f"{'system':<44} {'F1':<13}  {'precision':<13}  {'recall':<13}  {'F1 dev':>6}  {'F1 held':>7}  ms/page")
    for name in SYSTEMS:
        result = results[name]
        counts = [result.counts[p.item_id] for p in pages]
        m, std = metrics(counts), bootstrap_std(counts)
        dev = metrics([result.counts[i] for i in halves["dev"]])["f1"]
        held = metrics([result.counts[i] for i in halves["held-out"]])["f1"]
        ms = f"{statistics.median(result.ms):7.1f}" if result.ms else "      -"
        print(
            f"{name:<44} {m['f1']:.3f} ± {std['f1']:.3f}  {m['precision']:.3f} ± {std['precision']:.3f}  "
            f"{m['recall']:.3f} ± {std['recall']:.3f}  {dev:6.3f}  {held:7.3f}  {ms}"
        )
    ref = results[TIMING_REFERENCE].ms
    print(f"{TIMING_REFERENCE:<44} {'(timing reference)':<50}  {'':>6}  {'':>7}  {statistics.median(ref):7.1f}")
    print(f"halves: dev n={len(halves['dev'])}, held-out n={len(halves['held-out'])} (sha256 of file name, first byte)")


def print_worst(results: dict[str, Result], pages: list[Page], n: int) -> None:
    ranked = sorted(pages, key=lambda p: page_f1(results[OURS].counts[p.item_id]))
    print(f"\nworst {n} pages for {OURS} (F1 ours / best trafilatura; P R ours):")
    for page in ranked[:n]:
        counts = results[OURS].counts[page.item_id]
        best = page_f1(results[BEST_TRAFILATURA].counts[page.item_id])
        print(
            f"  {page_f1(counts):.3f} / {best:.3f}  P {_precision(*counts):.3f} R {_recall(*counts):.3f}"
            f"  {page.half:<8} {page.item_id[:12]}  {page.url}"
        )


def score_file(dataset: Path, path: Path) -> None:
    truth = json.loads((dataset / "ground-truth.json").read_text(encoding="utf-8"))
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and set(data) == {"version", "output"}:
        data = data["output"]
    if data.keys() != truth.keys():
        raise SystemExit("prediction keys do not match ground truth")
    counts = [tp_fp_fn(truth[k].get("articleBody", ""), data[k].get("articleBody", "")) for k in truth]
    std = bootstrap_std(counts)
    print(f"{path.name}: {summary_line(counts)} (F1 ± {std['f1']:.3f})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", type=Path, help="article-extraction-benchmark directory (html/, ground-truth.json)")
    parser.add_argument("--worst", type=int, default=0, metavar="N", help="list the N worst pages for ours")
    parser.add_argument("--half", choices=("dev", "held-out"), help="only this half of the pages")
    parser.add_argument("--repeats", type=int, default=1, help="timed runs per page and system (default 1)")
    parser.add_argument("--output", type=Path, help="write our predictions as benchmark-format JSON")
    parser.add_argument("--score-file", type=Path, help="only score this prediction JSON (metric check)")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # trafilatura logs every page it finds too short

    if args.score_file:
        score_file(args.dataset, args.score_file)
        return 0
    pages = load_pages(args.dataset)
    if args.half:
        pages = [p for p in pages if p.half == args.half]
    results = run(pages, max(1, args.repeats))
    print_table(results, pages)
    if args.worst:
        print_worst(results, pages, args.worst)
    if args.output:
        output = {p.item_id: {"articleBody": results[OURS].predictions[p.item_id]} for p in pages}
        args.output.write_text(json.dumps(output, ensure_ascii=False, indent=1), encoding="utf-8")

    ours_ms, ref_ms = statistics.median(results[OURS].ms), statistics.median(results[TIMING_REFERENCE].ms)
    print(f"\nmedian ms/page: ours {ours_ms:.1f}, {TIMING_REFERENCE} {ref_ms:.1f}, ratio {ours_ms / ref_ms:.2f}x")
    best = [results[BEST_TRAFILATURA].counts[p.item_id] for p in pages]
    print(f"{BEST_TRAFILATURA}: {summary_line(best)}")
    print(summary_line([results[OURS].counts[p.item_id] for p in pages], results[OURS].ms))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Score pipelines.extraction.extract.extract_article on two development sets, side by side with plain
trafilatura (its default and its best settings), all in one interleaved run.

    .venv/bin/python benchmarks/extraction.py [DATASET ...] [--worst 10] [--only-ours]

DATASET defaults to both sets in ../shared/datasets/ (read where they lie; nothing is copied):

- ``article-extraction-benchmark/`` (ScrapingHub/Zyte, 181 pages + ground-truth.json, MIT):
  body only.
- ``fundus-news-dev/`` (202 real news pages, 138 publishers, truth.jsonl; see its README.md):
  body, subheadings, title, authors and date.

Body metric (the article-extraction benchmark's own evaluate.py, re-implemented): tokens are
``\\w+`` runs (case kept), shingles are 4-grams counted as a multiset, each page's TP/FP/FN are
normalised to sum 1, precision is averaged over pages with TP+FP > 0 (an empty prediction has
none), recall over pages with TP+FN > 0, and F1 is computed from the two averages. On the
Fundus set a first output line equal to the page's title is dropped before scoring (the body
is scored, not the headline). Fundus columns: ``subheads`` = share of all expected subheadings
that are a line of the output (whitespace-normalised); ``title`` = share of pages whose title
is exactly the expected one (whitespace-normalised); ``author`` = share of expected author
names that are one of the output's authors (casefolded, whitespace-normalised); ``date`` = share
of pages whose date is the expected calendar day (as written, or in the expected time zone).

Timing compares extract_article with ``trafilatura.extract(html, url=url, with_metadata=True)``,
interleaved page by page (alternating which runs first) because this machine is noisy.
Pages are split in two fixed halves by a hash of their id ("dev" and "held-out"), so that a
rule that helps one half and hurts the other shows.

--score-file FILE scores a prediction JSON in the article-extraction benchmark's format
(e.g. its published-outputs), to check this implementation of the metric against its README.
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
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import trafilatura  # noqa: E402

from pipelines.extraction.extract import extract_article  # noqa: E402

DEFAULT_DATASETS = (
    REPO_ROOT.parent / "shared" / "datasets" / "article-extraction-benchmark",
    REPO_ROOT.parent / "shared" / "datasets" / "fundus-news-dev",
)

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


def bootstrap_std(counts: list[tuple[float, float, float]], rounds: int = 1000, seed: int = 0) -> float:
    """Standard deviation of F1 over bootstrap resamples of the pages."""
    rng = random.Random(seed)
    values = []
    for _ in range(rounds):
        values.append(metrics([counts[rng.randrange(len(counts))] for _ in counts])["f1"])
    return statistics.stdev(values) if len(values) > 1 else 0.0


def page_f1(counts: tuple[float, float, float]) -> float:
    p, r = _precision(*counts), _recall(*counts)
    return 2 * p * r / (p + r) if p + r else 0.0


# --- metadata metrics (fundus-news-dev README) -----------------------------------------------

_WS = re.compile(r"\s+")


def norm_ws(text: str | None) -> str:
    return _WS.sub(" ", unicodedata.normalize("NFC", text or "")).strip()


def norm_name(name: str) -> str:
    return norm_ws(name).casefold()


def body_of(text: str, title: str | None) -> str:
    """The output without a first line equal to the expected title."""
    first, _, rest = text.lstrip().partition("\n")
    return rest if title and norm_ws(first) == norm_ws(title) else text


def subheadings_found(text: str, subheadings: list[str]) -> int:
    lines = {norm_ws(line) for line in text.split("\n")}
    return sum(norm_ws(sub) in lines for sub in subheadings)


def authors_found(predicted: list[str], expected: list[str]) -> int:
    names = {norm_name(name) for name in predicted}
    return sum(norm_name(name) in names for name in expected)


def _parse_stamp(value: str) -> datetime | None:
    value = value.strip().replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        try:
            return datetime.fromisoformat(value[:10])
        except ValueError:
            return None


def same_day(predicted: str | None, expected: str | None) -> bool:
    """The same calendar day as written, or in the expected stamp's time zone."""
    if not predicted or not expected:
        return False
    ours, theirs = _parse_stamp(predicted), _parse_stamp(expected)
    if ours is None or theirs is None:
        return False
    if ours.date() == theirs.date():
        return True
    if ours.tzinfo is not None and theirs.tzinfo is not None:
        return ours.astimezone(theirs.tzinfo).date() == theirs.date()
    return False


# --- datasets -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    item_id: str
    url: str | None
    html: str | bytes
    body: str
    title: str | None = None  # None: the set does not give it
    authors: tuple[str, ...] | None = None
    published: str | None = None
    subheadings: tuple[str, ...] | None = None

    @property
    def half(self) -> str:
        """Fixed split by a hash of the id: 'dev' or 'held-out'."""
        return "dev" if hashlib.sha256(f"{self.item_id}.html.gz".encode()).digest()[0] % 2 == 0 else "held-out"


@dataclass(frozen=True)
class Dataset:
    name: str
    pages: list[Page]
    has_metadata: bool


def load_aeb(dataset: Path) -> Dataset:
    truth = json.loads((dataset / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for item_id in sorted(truth):
        with gzip.open(dataset / "html" / f"{item_id}.html.gz", "rt", encoding="utf-8") as handle:
            html = handle.read()
        pages.append(Page(item_id, truth[item_id].get("url"), html, truth[item_id].get("articleBody", "")))
    return Dataset(dataset.name, pages, has_metadata=False)


def load_fundus(dataset: Path) -> Dataset:
    pages = []
    for line in (dataset / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        with gzip.open(dataset / row["html_file"], "rb") as handle:
            html = handle.read()  # bytes: the extractors decide the charset, as in a crawl
        pages.append(Page(
            row["id"], row.get("url"), html, row.get("body", ""), title=row.get("title") or "",
            authors=tuple(row.get("authors") or ()), published=row.get("published") or None,
            subheadings=tuple(row.get("subheadings") or ()),
        ))
    return Dataset(dataset.name, pages, has_metadata=True)


def load_dataset(dataset: Path) -> Dataset:
    if (dataset / "ground-truth.json").exists():
        return load_aeb(dataset)
    if (dataset / "truth.jsonl").exists():
        return load_fundus(dataset)
    raise SystemExit(f"{dataset}: neither ground-truth.json nor truth.jsonl")


# --- systems ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prediction:
    text: str = ""
    title: str | None = None
    authors: tuple[str, ...] = ()
    date: str | None = None


def ours(page: Page) -> Prediction:
    article = extract_article(page.html, page.url)
    if article is None:
        return Prediction()
    return Prediction(article.text, article.title, tuple(article.authors), article.published)


def _trafilatura(page: Page, **settings) -> Prediction:
    output = trafilatura.extract(page.html, url=page.url, output_format="json", with_metadata=True, **settings)
    if not output:
        return Prediction()
    data = json.loads(output)
    authors = tuple(name.strip() for name in (data.get("author") or "").split(";") if name.strip())
    return Prediction(data.get("text") or "", data.get("title"), authors, data.get("date"))


def trafilatura_with_metadata(page: Page) -> Prediction:
    """The timing reference: what a crawler calls to get text and metadata from trafilatura."""
    return Prediction(trafilatura.extract(page.html, url=page.url, with_metadata=True) or "")


OURS = "extract_article (ours)"
TRAFILATURA_SETTINGS: dict[str, dict[str, bool]] = {
    "trafilatura (defaults)": {},
    "trafilatura (include_comments=False)": {"include_comments": False},
    "trafilatura (favor_precision, no comments)": {"favor_precision": True, "include_comments": False},
}
TIMING_REFERENCE = "trafilatura.extract(with_metadata=True)"


@dataclass
class Result:
    predictions: dict[str, Prediction] = field(default_factory=dict)
    ms: list[float] = field(default_factory=list)


def run(pages: list[Page], timed_repeats: int, only_ours: bool = False) -> dict[str, Result]:
    names = [OURS, TIMING_REFERENCE] + ([] if only_ours else list(TRAFILATURA_SETTINGS))
    results = {name: Result() for name in names}
    for index, page in enumerate(pages):
        if not only_ours:
            for name, settings in TRAFILATURA_SETTINGS.items():
                results[name].predictions[page.item_id] = _trafilatura(page, **settings)
        # Timed pair, interleaved: alternate which goes first so that cache warmth and
        # CPU frequency drift do not favour one side.
        pair: list[tuple[str, Callable[[Page], Prediction]]] = [
            (OURS, ours), (TIMING_REFERENCE, trafilatura_with_metadata)]
        if index % 2:
            pair.reverse()
        for _ in range(timed_repeats):
            for name, system in pair:
                start = time.perf_counter()
                prediction = system(page)
                results[name].ms.append((time.perf_counter() - start) * 1000)
                results[name].predictions[page.item_id] = prediction
    return results


# --- scores -------------------------------------------------------------------------------


@dataclass
class Scores:
    counts: dict[str, tuple[float, float, float]]
    subheads: float | None = None
    title: float | None = None
    author: float | None = None
    date: float | None = None
    empty: list[str] = field(default_factory=list)

    def f1(self, ids: list[str] | None = None) -> float:
        return metrics([self.counts[i] for i in (ids or self.counts)])["f1"]


def score(dataset: Dataset, result: Result) -> Scores:
    pages = dataset.pages
    predictions = [result.predictions[p.item_id] for p in pages]
    texts = [body_of(pred.text, p.title) if dataset.has_metadata else pred.text for p, pred in zip(pages, predictions,
                                                                                                    strict=True)]
    scores = Scores({p.item_id: tp_fp_fn(p.body, text) for p, text in zip(pages, texts, strict=True)})
    scores.empty = [p.item_id for p, pred in zip(pages, predictions, strict=True) if not pred.text.strip()]
    if dataset.has_metadata:
        subs = sum(len(p.subheadings or ()) for p in pages)
        if subs:
            found = sum(subheadings_found(pred.text, list(p.subheadings or ()))
                        for p, pred in zip(pages, predictions, strict=True))
            scores.subheads = found / subs
        scores.title = statistics.mean(norm_ws(pred.title) == norm_ws(p.title)
                                       for p, pred in zip(pages, predictions, strict=True))
        names = sum(len(p.authors or ()) for p in pages)
        if names:
            scores.author = sum(authors_found(list(pred.authors), list(p.authors or ()))
                                for p, pred in zip(pages, predictions, strict=True)) / names
        dated = [(p, pred) for p, pred in zip(pages, predictions, strict=True) if p.published]
        if dated:
            scores.date = statistics.mean(same_day(pred.date, p.published) for p, pred in dated)
    return scores


def summary_line(scores: Scores, ms: list[float] | None = None) -> str:
    m = metrics(list(scores.counts.values()))
    line = f"F1 {m['f1']:.3f} precision {m['precision']:.3f} recall {m['recall']:.3f}"
    for column in ("subheads", "title", "author", "date"):
        value = getattr(scores, column)
        if value is not None:
            line += f" {column} {value:.3f}"
    line += f" n {len(scores.counts)}"
    if ms:
        line += f" ms/page {statistics.median(ms):.1f}"
    return line


# --- report -------------------------------------------------------------------------------


def report(dataset: Dataset, results: dict[str, Result], worst: int) -> None:
    pages = dataset.pages
    halves = {half: [p.item_id for p in pages if p.half == half] for half in ("dev", "held-out")}
    scored = {name: score(dataset, result) for name, result in results.items() if name != TIMING_REFERENCE}
    print(f"\n== {dataset.name}: {len(pages)} pages "
          f"(halves by sha256 of id: dev n={len(halves['dev'])}, held-out n={len(halves['held-out'])})")
    extra = "  subheads  title  author  date" if dataset.has_metadata else ""
    print(f"{'system':<44} {'F1':<13}  prec.  recall  F1 dev  F1 held  empty{extra}  ms/page")
    for name, scores in scored.items():
        m = metrics(list(scores.counts.values()))
        columns = ""
        if dataset.has_metadata:
            columns = "".join(f"  {getattr(scores, c):{w}.3f}" if getattr(scores, c) is not None else f"  {'-':>{w}}"
                              for c, w in (("subheads", 8), ("title", 5), ("author", 6), ("date", 4)))
        ms = f"{statistics.median(results[name].ms):7.1f}" if results[name].ms else "      -"
        print(f"{name:<44} {m['f1']:.3f} ± {bootstrap_std(list(scores.counts.values())):.3f}  "
              f"{m['precision']:.3f}  {m['recall']:.3f}   {scores.f1(halves['dev']):.3f}    "
              f"{scores.f1(halves['held-out']):.3f}  {len(scores.empty):5d}{columns}  {ms}")
    ref_ms = statistics.median(results[TIMING_REFERENCE].ms)
    ours_ms = statistics.median(results[OURS].ms)
    print(f"{TIMING_REFERENCE:<44} (timing reference) {ref_ms:.1f} ms/page; ours {ours_ms / ref_ms:.2f}x")

    ours_scores = scored[OURS]
    others = {name: s for name, s in scored.items() if name != OURS}
    if others:
        best_name = max(others, key=lambda n: others[n].f1())
        texts = {p.item_id for p in pages if any(results[n].predictions[p.item_id].text.strip() for n in others)}
        lost = [i for i in ours_scores.empty if i in texts]
        print(f"better trafilatura setting here: {best_name}, F1 {others[best_name].f1():.3f}; "
              f"ours {ours_scores.f1() - others[best_name].f1():+.3f}")
        print(f"pages empty for ours where trafilatura returns text: {len(lost)} {lost[:10]}")
        if worst:
            ranked = sorted(pages, key=lambda p: page_f1(ours_scores.counts[p.item_id])
                            - page_f1(others[best_name].counts[p.item_id]))
            print(f"\nworst {worst} pages against {best_name} (page F1 ours / theirs; P R ours):")
            for page in ranked[:worst]:
                counts = ours_scores.counts[page.item_id]
                print(f"  {page_f1(counts):.3f} / {page_f1(others[best_name].counts[page.item_id]):.3f}"
                      f"  P {_precision(*counts):.3f} R {_recall(*counts):.3f}  {page.half:<8} {page.item_id[:40]}")
        print(f"{best_name}: {summary_line(others[best_name], None)}")
    print(summary_line(ours_scores, results[OURS].ms))


def score_file(dataset: Path, path: Path) -> None:
    truth = json.loads((dataset / "ground-truth.json").read_text(encoding="utf-8"))
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and set(data) == {"version", "output"}:
        data = data["output"]
    if data.keys() != truth.keys():
        raise SystemExit("prediction keys do not match ground truth")
    counts = {k: tp_fp_fn(truth[k].get("articleBody", ""), data[k].get("articleBody", "")) for k in truth}
    print(f"{path.name}: {summary_line(Scores(counts))} (F1 ± {bootstrap_std(list(counts.values())):.3f})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("datasets", type=Path, nargs="*", help="dataset directories (default: both dev sets)")
    parser.add_argument("--worst", type=int, default=0, metavar="N", help="list the N pages where ours loses most")
    parser.add_argument("--half", choices=("dev", "held-out"), help="only this half of the pages")
    parser.add_argument("--repeats", type=int, default=1, help="timed runs per page and system (default 1)")
    parser.add_argument("--only-ours", action="store_true", help="skip the trafilatura settings (quick check)")
    parser.add_argument("--output", type=Path, help="write our predictions as JSON (id -> fields), one file per set:"
                                                    " FILE.<set>.json")
    parser.add_argument("--score-file", type=Path, help="only score this prediction JSON (metric check, AEB format)")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # trafilatura logs every page it finds too short

    if args.score_file:
        score_file(args.datasets[0] if args.datasets else DEFAULT_DATASETS[0], args.score_file)
        return 0
    for path in args.datasets or DEFAULT_DATASETS:
        dataset = load_dataset(path)
        if args.half:
            dataset = Dataset(dataset.name, [p for p in dataset.pages if p.half == args.half], dataset.has_metadata)
        results = run(dataset.pages, max(1, args.repeats), args.only_ours)
        report(dataset, results, args.worst)
        if args.output:
            out = args.output.with_suffix(f".{dataset.name}.json")
            out.write_text(json.dumps({i: p.__dict__ for i, p in results[OURS].predictions.items()},
                                      ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Rewrite tests/pages/expected/*.txt from the current extractor.

Refuses to write anything (exit 1, diff printed) when the new output would fail the
golden test: an expected paragraph dropped or reordered, or a junk string present.
--force writes anyway, for a deliberate change of expectations; --check only reports.

    .venv/bin/python tests/pages/regenerate.py [--check] [--force] [NAME ...]
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from golden import CASES, GoldenCase, golden_problems  # noqa: E402

from pipelines.extraction.extract import extract_article  # noqa: E402


def current_text(case: GoldenCase) -> str:
    article = extract_article(case.page_path.read_bytes(), case.url, repeated_lines=case.site_furniture)
    return article.text + "\n" if article else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="case names (default: all)")
    parser.add_argument("--force", action="store_true", help="write even if expectations would be loosened")
    parser.add_argument("--check", action="store_true", help="report only, write nothing")
    args = parser.parse_args(argv)

    unknown = set(args.names) - {case.name for case in CASES}
    if unknown:
        parser.error(f"unknown case(s): {', '.join(sorted(unknown))}")
    cases = [case for case in CASES if not args.names or case.name in args.names]

    pending: list[tuple[GoldenCase, str]] = []
    refused = False
    for case in cases:
        exists = case.expected_path.exists()
        old = case.expected_path.read_text(encoding="utf-8") if exists else ""
        new = current_text(case)
        if exists and new == old:
            print(f"{case.name}: unchanged")
            continue
        problems = golden_problems(case, new, old)
        diff = difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), f"expected/{case.name}.txt", "new output"
        )
        sys.stdout.writelines(diff)
        if problems:
            refused = True
            print(f"{case.name}: new output fails the golden test:")
            for problem in problems:
                print(f"  - {problem}")
        pending.append((case, new))

    if refused and not args.force:
        print("refusing to write: fix the extractor, or pass --force to change expectations deliberately")
        return 1
    if args.check:
        return 1 if pending else 0
    for case, new in pending:
        case.expected_path.parent.mkdir(parents=True, exist_ok=True)
        case.expected_path.write_text(new, encoding="utf-8")
        print(f"{case.name}: written")
    return 0


if __name__ == "__main__":
    sys.exit(main())

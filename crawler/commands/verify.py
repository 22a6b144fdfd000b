"""``scrapy verify [PATH…]``: check WARC files, WACZ packages and the catalog; exit 1 on
any problem.

Every gzip member whole, one well-formed record per member, block and payload
digests right, a full read with warcio; unfinished ``.open`` files are
reported; every catalog row must point at an existing record with its ID. A
``.wacz``: the WARCs inside as above, every datapackage.json digest and size,
and pages/pages.jsonl (pipelines/storage/wacz.py).
"""

from __future__ import annotations

import os

from scrapy.commands import ScrapyCommand

from pipelines.storage.catalog import Catalog
from pipelines.storage.checks import catalog_problems, verify_file
from pipelines.storage.layout import ArchiveLayout
from pipelines.storage.wacz import verify_wacz
from pipelines.storage.warc import OPEN_SUFFIX


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[WARC_OR_WACZ_FILE_OR_DIR ...]"

    def short_desc(self) -> str:
        return "Verify WARC files (gzip members, records, digests), WACZ packages and the catalog's links"

    def run(self, args, opts) -> None:
        layout = ArchiveLayout.from_settings(self.settings)
        warc_dir = os.fspath(layout.warc_dir)
        paths = []
        for arg in args or [warc_dir]:
            if os.path.isdir(arg):
                paths += [os.path.join(arg, n) for n in sorted(os.listdir(arg))
                          if n.endswith((".warc.gz", ".warc", ".wacz", OPEN_SUFFIX))]
            else:
                paths.append(arg)
        failed = 0
        for path in paths:
            if path.endswith(OPEN_SUFFIX):
                print(f"OPEN     {path}: still being written, or left by a killed crawl "
                      "(the next crawl into this archive recovers it)")
                continue
            if path.endswith(".wacz"):
                package = verify_wacz(path)
                if package.ok:
                    print(f"OK       {path}: {package.warcs} WARC files, {package.records} records, "
                          f"{package.pages} pages, datapackage digests match")
                else:
                    failed += 1
                    print(f"INVALID  {path}: {'; '.join(package.problems[:20])}")
                continue
            report = verify_file(path)
            if report.ok:
                print(f"OK       {path}: {report.records} records")
            else:
                failed += 1
                print(f"INVALID  {path}: {report.records} good records, then: {'; '.join(report.problems)}")
        catalog_path = layout.catalog
        if not args and catalog_path.exists():
            catalog = Catalog(catalog_path, readonly=True)
            try:
                problems = catalog_problems(catalog, warc_dir)
            finally:
                catalog.close()
            for problem in problems:
                print(f"INVALID  {problem}")
            failed += len(problems)
            if not problems:
                print(f"OK       {catalog_path}: every row points at its record")
        if not paths:
            print(f"no WARC files in {warc_dir}")
        self.exitcode = 1 if failed else 0

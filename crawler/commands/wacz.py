"""``scrapy wacz [--run RUN] -o FILE.wacz``: package WARCs as a WACZ with a
``pages.jsonl`` made from the catalog (url, timestamp, title, clean text), so
the file opens in ReplayWeb.page with full-text search. The package is
checked with ``wacz validate`` before the command reports success."""

from __future__ import annotations

import os
import tempfile

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.review.pages import article_rows, warc_files_for_run, write_pages
from crawler.review.tools import closed_warcs, run_tool, tool
from pipelines.storage.catalog import Catalog
from pipelines.storage.layout import ArchiveLayout


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--run RUN] -o FILE.wacz"

    def short_desc(self) -> str:
        return "Package the archive (or one run) as a WACZ for ReplayWeb.page"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", required=True, help="the .wacz file to write")
        parser.add_argument("--run", help="only this run (see `scrapy review --runs`)")
        parser.add_argument("--title", default="News archive", help="title of the collection")

    def run(self, args, opts) -> None:
        if not opts.output.endswith(".wacz"):
            raise UsageError("the output file must end with .wacz")
        layout = ArchiveLayout.from_settings(self.settings)
        archive_dir, warc_dir, catalog_path = layout.root, layout.warc_dir, layout.catalog
        if not catalog_path.exists():
            raise UsageError(f"no catalog at {catalog_path}: nothing archived yet")
        catalog = Catalog(catalog_path, readonly=True)
        db = catalog.db
        try:
            rows = article_rows(db, opts.run)
            files = closed_warcs(warc_dir)
            if opts.run:
                wanted = warc_files_for_run(db, opts.run)
                if not wanted:
                    raise UsageError(f"no run {opts.run!r} in the catalog (see `scrapy review --runs`)")
                files = [f for f in files if f.name in wanted]
        finally:
            catalog.close()
        if not files:
            raise UsageError(f"no finished WARC files in {warc_dir}")
        venv = self.settings.get("REPLAY_VENV")
        with tempfile.TemporaryDirectory() as tmp:
            pages = os.path.join(tmp, "pages.jsonl")
            count = write_pages(rows, archive_dir, pages)
            run_tool([tool(venv, "wacz"), "create", "-o", opts.output, "-p", pages, "--copy-pages",
                      "--title", opts.title, *map(str, files)], "wacz create")
        run_tool([tool(venv, "wacz"), "validate", "-f", opts.output], "wacz validate")
        print(f"{opts.output}: {len(files)} WARC files, {count} pages (validated)")

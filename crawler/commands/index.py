"""``scrapy index [-o FILE]``: a sorted CDXJ index of the archive's WARC files
(cdxj-indexer), usable by pywb and other replay tools."""

from __future__ import annotations

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.review.tools import build_cdxj, closed_warcs
from pipelines.storage.layout import ArchiveLayout


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[-o FILE]"

    def short_desc(self) -> str:
        return "Write a CDXJ index of the archive's WARC files"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", help="index file (default: ARCHIVE_DIR/index.cdxj)")

    def run(self, args, opts) -> None:
        layout = ArchiveLayout.from_settings(self.settings)
        warc_dir = layout.warc_dir
        files = closed_warcs(warc_dir)
        if not files:
            raise UsageError(f"no WARC files in {warc_dir}")
        output = opts.output or str(layout.index)
        build_cdxj(self.settings.get("REPLAY_VENV"), files, output, dir_root=warc_dir)
        with open(output, encoding="utf-8") as index:
            captures = sum(1 for _ in index)
        print(f"{output}: {captures} captures from {len(files)} WARC files")

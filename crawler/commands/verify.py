"""``scrapy verify [PATH…]``: check WARC files and the catalog; exit 1 on any problem.

Every gzip member whole, one well-formed record per member, block and payload
digests right, a full read with warcio; unfinished ``.open`` files are
reported; every catalog row must point at an existing record with its ID.
"""

from __future__ import annotations

import os
import sqlite3
import zlib

from scrapy.commands import ScrapyCommand

from pipelines.warc import OPEN_SUFFIX
from pipelines.warc_check import verify_file


def catalog_problems(catalog_path: str, warc_dir: str) -> list[str]:
    """Rows whose response record or conversion record is not where the catalog says."""
    problems = []
    db = sqlite3.connect(f"file:{catalog_path}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT id, url, warc_file, warc_offset, response_record_id FROM articles "
                          "UNION ALL SELECT -id, url, warc_file, warc_offset, record_id FROM captures").fetchall()
    finally:
        db.close()
    for row_id, url, warc_file, offset, record_id in rows:
        if not warc_file:
            continue
        where = f"catalog {'article' if row_id > 0 else 'capture'} {abs(row_id)} ({url})"
        path = os.path.join(warc_dir, warc_file)
        if not os.path.exists(path):
            problems.append(f"{where}: WARC file {warc_file} is missing")
            continue
        with open(path, "rb") as stream:
            stream.seek(offset)
            head = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(stream.read(64 * 1024), 4096)
        if f"WARC-Record-ID: {record_id}\r\n".encode() not in head:
            problems.append(f"{where}: no record {record_id} at {warc_file}:{offset}")
    return problems


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[WARC_FILE_OR_DIR ...]"

    def short_desc(self) -> str:
        return "Verify WARC files (gzip members, records, digests) and the catalog's links into them"

    def run(self, args, opts) -> None:
        archive_dir = self.settings.get("ARCHIVE_DIR")
        warc_dir = os.path.join(archive_dir, "warc")
        paths = []
        for arg in args or [warc_dir]:
            if os.path.isdir(arg):
                paths += [os.path.join(arg, n) for n in sorted(os.listdir(arg))
                          if n.endswith((".warc.gz", ".warc", OPEN_SUFFIX))]
            else:
                paths.append(arg)
        failed = 0
        for path in paths:
            if path.endswith(OPEN_SUFFIX):
                print(f"OPEN     {path}: still being written, or left by a killed crawl "
                      "(the next crawl into this archive recovers it)")
                continue
            report = verify_file(path)
            if report.ok:
                print(f"OK       {path}: {report.records} records")
            else:
                failed += 1
                print(f"INVALID  {path}: {report.records} good records, then: {'; '.join(report.problems)}")
        catalog_path = os.path.join(archive_dir, self.settings.get("CATALOG_PATH"))
        if not args and os.path.exists(catalog_path):
            problems = catalog_problems(catalog_path, warc_dir)
            for problem in problems:
                print(f"INVALID  {problem}")
            failed += len(problems)
            if not problems:
                print(f"OK       {catalog_path}: every row points at its record")
        if not paths:
            print(f"no WARC files in {warc_dir}")
        self.exitcode = 1 if failed else 0

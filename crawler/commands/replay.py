"""``scrapy replay [--port N]``: serve the archive in pywb on 127.0.0.1.

pywb runs from its own virtualenv (REPLAY_VENV) in ``ARCHIVE_DIR/replay``,
whose collection REPLAY_COLLECTION points at ``ARCHIVE_DIR/warc``. The WARCs
present now are indexed before the server starts; pywb's auto-indexing picks
up the ones later crawls write. Prints the replay URL of every archived
article, then serves until interrupted.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.review.pages import article_rows
from crawler.review.tools import build_cdxj, closed_warcs, prepare_pywb_root, tool
from crawler.review.urls import replay_url
from pipelines.storage.catalog import Catalog
from pipelines.storage.layout import ArchiveLayout

AUTOINDEX_FILE = "autoindex.cdxj"  # the index pywb's auto-indexer keeps up to date


def wait_for_port(port: int, server: subprocess.Popen, timeout: float = 30) -> None:
    """pywb logs its start just before it listens: wait (bounded) until it does."""
    deadline = time.monotonic() + timeout
    while server.poll() is None and time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise UsageError(f"pywb did not start on 127.0.0.1:{port}")


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--port N]"

    def short_desc(self) -> str:
        return "Serve the archive in pywb on 127.0.0.1 and list the archived articles"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument("--port", type=int, help="port (default: REPLAY_PORT)")
        parser.add_argument("--auto-interval", type=int, default=10,
                            help="seconds between checks for new WARC files (default 10)")

    def run(self, args, opts) -> None:
        settings = self.settings
        if opts.port:
            settings.set("REPLAY_PORT", opts.port, priority="cmdline")
        venv, collection = settings.get("REPLAY_VENV"), settings.get("REPLAY_COLLECTION")
        layout = ArchiveLayout.from_settings(settings)
        warc_dir = layout.warc_dir
        warc_dir.mkdir(parents=True, exist_ok=True)
        root = layout.replay_root
        coll = prepare_pywb_root(root, collection, warc_dir)
        files = closed_warcs(warc_dir)
        if files:
            build_cdxj(venv, files, coll / "indexes" / AUTOINDEX_FILE, dir_root=warc_dir)
        port = settings.getint("REPLAY_PORT")
        server = subprocess.Popen(
            [tool(venv, "wayback"), "-p", str(port), "-b", "127.0.0.1", "-d", str(root),
             "--autoindex", "--auto-interval", str(opts.auto_interval)],
            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        stop = lambda signum, frame: server.terminate()  # noqa: E731
        signal.signal(signal.SIGTERM, stop)
        try:
            self._announce(server, port, collection, files, layout)
            for line in server.stdout:  # pywb's log, until it stops
                sys.stdout.write(line)
        except KeyboardInterrupt:
            server.terminate()
        finally:
            server.wait(30)
        self.exitcode = 0 if server.returncode in (0, -signal.SIGTERM) else 1

    def _announce(self, server, port, collection, files, layout: ArchiveLayout) -> None:
        for line in server.stdout:  # wait for pywb to start (or to die)
            sys.stdout.write(line)
            if "Starting Gevent Server" in line:
                break
        wait_for_port(port, server)
        print(f"Replaying {len(files)} WARC files at http://127.0.0.1:{port}/{collection}/", flush=True)
        if not layout.catalog.exists():
            return
        catalog = Catalog(layout.catalog, readonly=True)
        try:
            rows = sorted(article_rows(catalog.db, None), key=lambda row: (row["fetched_at"], row["id"]))
        finally:
            catalog.close()
        for row in rows:
            revision = f"  (revision {row['revision']})" if row["revision"] > 1 else ""
            # the capture's own WARC-Date, so the URL names exactly that capture
            warc_date = row["warc_date"] or row["fetched_at"]
            print(f"{replay_url(self.settings, row['url'], warc_date)}  {row['title'] or ''}{revision}", flush=True)
        print("Ready.", flush=True)

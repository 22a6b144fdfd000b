"""Extractors for tests of the pool (EXTRACT_FUNCTION): one that kills its worker on some
pages, one that never ends on some pages, one held until the test lets it go. Otherwise
they give the real result."""

from __future__ import annotations

import os
import time

from pipelines.extraction.extract import extract_article


def crash_on_marked_pages(html, url=None, **kwargs):
    if url and "/crash" in url:
        os._exit(3)  # as a segfault or the OOM killer would: no exception, the process is gone
    return extract_article(html, url, **kwargs)


def hang_on_marked_pages(html, url=None, **kwargs):
    if url and "/hang" in url:
        while True:  # as a pathological page would: busy, never done
            pass
    return extract_article(html, url, **kwargs)


GATE = "ARCHIVE_TEST_EXTRACTION_GATE"  # environment: a file that must exist before pages are extracted


def gated(html, url=None, **kwargs):
    """Extraction held until the test opens the gate (creates the file), as if it were very slow."""
    gate = os.environ[GATE]
    deadline = time.monotonic() + 120
    while not os.path.exists(gate) and time.monotonic() < deadline:  # polling a file the test creates
        time.sleep(0.01)
    return extract_article(html, url, **kwargs)

"""Extractors for tests of the pool (EXTRACT_FUNCTION): one that kills its
worker on some pages, one that never ends on some pages, one that is slow. Both otherwise give the real result."""

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


def slow(html, url=None, **kwargs):
    time.sleep(0.05)  # extraction slower than fetching
    return extract_article(html, url, **kwargs)

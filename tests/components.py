"""Building the project's components in-process, as Scrapy's own tests do
(``scrapy.utils.test.get_crawler``), with the project's settings."""

from __future__ import annotations

import asyncio
from pathlib import Path

from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.capture.archive import Archive


def project_settings_dict(**overrides) -> dict:
    values = {name: getattr(project_settings, name) for name in dir(project_settings) if name.isupper()}
    values.update(EXTRACT_WORKERS=0, ARCHIVE_REPORT=False, LOG_ENABLED=False, TELNETCONSOLE_ENABLED=False)
    values.update(overrides)
    return values


def project_crawler(archive_dir: str | Path, spidercls=None, **settings):
    """A crawler with this project's settings and extensions, writing into ``archive_dir``."""
    return get_crawler(spidercls, project_settings_dict(ARCHIVE_DIR=str(archive_dir), **settings))


def open_archive(crawler) -> Archive:
    """The crawler's Archive extension, opened as on spider_opened."""
    archive = crawler.get_extension(Archive)
    archive.open()
    return archive


def stats_under(crawler, prefix: str) -> dict:
    return {key: value for key, value in crawler.stats.get_stats().items() if key.startswith(prefix)}


def run(coroutine_or_value):
    """An item pipeline's process_item result, awaited when it is a coroutine."""
    if asyncio.iscoroutine(coroutine_or_value):
        return asyncio.run(coroutine_or_value)
    return coroutine_or_value

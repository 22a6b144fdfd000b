"""Keeps secrets out of the log: Scrapy logs every overridden setting when a
crawl starts, AWS keys and proxy passwords included. This filter masks the
values of settings whose names look secret, and passwords in URLs."""

from __future__ import annotations

import logging

from crawler.redaction import SecretFilter


class RedactSecrets:
    """Extension: installs the filter on Scrapy's loggers (once per process)."""

    FILTER = SecretFilter()

    @classmethod
    def from_crawler(cls, crawler):
        for name in ("scrapy.crawler", "scrapy.utils.log", "scrapy.core.engine", "scrapy.middleware"):
            logger = logging.getLogger(name)
            if cls.FILTER not in logger.filters:
                logger.addFilter(cls.FILTER)
        return cls()

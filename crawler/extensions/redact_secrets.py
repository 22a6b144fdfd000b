"""Keeps secrets out of the log: Scrapy logs every overridden setting when a
crawl starts, AWS keys and proxy passwords included. This filter masks the
values of settings whose names look secret, and passwords in URLs."""

from __future__ import annotations

import logging
import re

SECRET_NAME = re.compile(r"(?i)(secret|passw|passwd|token|credential|api_?key|access_key|auth|_key_id)")
SETTING_LINE = re.compile(r"""(['"])([A-Z0-9_]+)\1:\s*(['"])(.*?)\3""")
URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]*:)[^/\s@'\"]+@", re.I)
MASK = "***"


def redact(text: str) -> str:
    def setting(match: re.Match) -> str:
        quote, name, value_quote, value = match.groups()
        if SECRET_NAME.search(name) and value:
            value = MASK
        return f"{quote}{name}{quote}: {value_quote}{value}{value_quote}"

    return URL_PASSWORD.sub(rf"\g<1>{MASK}@", SETTING_LINE.sub(setting, text))


class SecretFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


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

"""Masking secrets in text (no Scrapy imports): the values of settings whose names look
secret, and passwords in URLs. Used for the log (crawler/extensions/redact_secrets.py)
and wherever a URL with credentials is printed (Redis, proxies)."""

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

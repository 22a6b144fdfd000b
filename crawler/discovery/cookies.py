"""Netscape ``cookies.txt`` files (no Scrapy): what browser extensions, curl and yt-dlp export.

One cookie a line, seven fields separated by tabs: domain, include-subdomains flag
(``TRUE``/``FALSE``), path, secure flag, expiry (Unix seconds; ``0`` for a session cookie),
name, value. ``#`` starts a comment, except the ``#HttpOnly_`` prefix some browsers put before
the domain. Read leniently (the ``# Netscape HTTP Cookie File`` header is optional, blank lines
and CRLF are fine), but a malformed line is an error naming the file and the line: a cookies file
is edited or exported by hand and a typo must not silently log the crawler out.
"""

from __future__ import annotations

import http.cookiejar
import time
from pathlib import Path

HTTPONLY_PREFIX = "#HttpOnly_"


class CookiesFileError(ValueError):
    """The cookies file is unreadable or malformed; the message names the file and the line."""


def load_cookies(path: str | Path, *, now: float | None = None) -> list[http.cookiejar.Cookie]:
    """The unexpired cookies of a cookies.txt file (session cookies included)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise CookiesFileError(f"{path}: cannot read the cookies file: {exc.strerror or exc}") from None
    now = time.time() if now is None else now
    cookies = []
    for number, line in enumerate(lines, 1):
        http_only = line.startswith(HTTPONLY_PREFIX)
        if http_only:
            line = line[len(HTTPONLY_PREFIX):]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.rstrip("\r\n").split("\t")
        if len(fields) == 6:  # an empty value at the end of the line
            fields.append("")
        if len(fields) != 7:
            raise CookiesFileError(f"{path}:{number}: expected 7 tab-separated fields (domain, subdomains, path, "
                                   f"secure, expiry, name, value), found {len(fields)}")
        domain, subdomains, cookie_path, secure, expires, name, value = fields
        if not domain or not name:
            raise CookiesFileError(f"{path}:{number}: a cookie needs a domain and a name")
        try:
            expiry = int(float(expires)) if expires.strip() else 0
        except ValueError:
            raise CookiesFileError(f"{path}:{number}: the expiry must be Unix seconds, not {expires!r}") from None
        if expiry and expiry < now:
            continue  # expired: a browser would not send it either
        include_subdomains = subdomains.upper() == "TRUE"
        if "." not in domain.strip("."):  # localhost: http.cookiejar matches dotless hosts as NAME.local
            domain, include_subdomains = domain.strip(".") + ".local", False
        if include_subdomains and not domain.startswith("."):
            domain = "." + domain
        cookies.append(http.cookiejar.Cookie(
            version=0, name=name, value=value, port=None, port_specified=False,
            domain=domain, domain_specified=include_subdomains, domain_initial_dot=domain.startswith("."),
            path=cookie_path or "/", path_specified=True, secure=secure.upper() == "TRUE",
            expires=expiry or None, discard=not expiry, comment=None, comment_url=None,
            rest={"HttpOnly": ""} if http_only else {},
        ))
    return cookies

"""Spider arguments shared by every spider: ``urls`` and ``urls_file``."""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.exceptions import UsageError


class InvalidSpiderInput(UsageError):
    """Bad spider arguments; raised before anything is fetched."""


def check_url(url: str, where: str = "") -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        raise InvalidSpiderInput(f"not an http(s) URL{where}: {url!r}")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise InvalidSpiderInput(f"bad port in URL{where}: {url!r}") from None
    return url


def read_urls_file(path: str) -> list[str]:
    """One URL a line; blank lines and ``#`` comments are ignored."""
    try:
        with open(path, encoding="utf-8") as lines:
            numbered = list(enumerate(lines, 1))
    except OSError as exc:
        raise InvalidSpiderInput(f"cannot read urls_file {path!r}: {exc.strerror}") from None
    urls = []
    for number, line in numbered:
        # A "#" opens a comment at the start of a line or after a space;
        # inside a URL it is a fragment.
        line = line.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            urls.append(check_url(line, f" at {path}:{number}"))
    return urls


def parse_url_arguments(urls: str | None = None, urls_file: str | None = None) -> list[str]:
    """URLs from ``-a urls=A,B`` and ``-a urls_file=PATH``, in order, without repeats."""
    if not urls and not urls_file:
        raise InvalidSpiderInput("give article URLs with -a urls=URL1,URL2 and/or -a urls_file=PATH")
    found = [check_url(u.strip()) for u in (urls or "").split(",") if u.strip()]
    if urls_file:
        found.extend(read_urls_file(urls_file))
    if not found:
        raise InvalidSpiderInput("no URLs given: the urls argument and urls_file are empty")
    return list(dict.fromkeys(found))


def allowed_hosts(urls: list[str]) -> list[str]:
    return sorted({urlsplit(u).hostname for u in urls})

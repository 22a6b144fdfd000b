"""The sources file: the sites a scheduled crawl discovers articles on (TOML, see sources.toml).

Validation is strict and every error names the file, the site and the key, because the file is edited by
hand and read from cron, where a typo must fail loudly instead of silently crawling nothing.
"""

from __future__ import annotations

import datetime
import logging
import math
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from .cookies import CookiesFileError, load_cookies

logger = logging.getLogger(__name__)

SITE_KEYS = frozenset({"allowed_domains", "sitemaps", "feeds", "start_urls", "follow", "deny", "article_pattern",
                       "depth", "crawl_delay", "since", "extract", "proxy", "cookies_file"})
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
EXTRACT_KEYS = frozenset({"prune_xpaths", "junk_patterns"})
SITE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")  # usable on a command line and in file names
HOSTNAME = re.compile(r"(?=.{1,253}\Z)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\Z")


class SourcesError(ValueError):
    """The sources file is unreadable or invalid; the message names the file, the site and the key."""


@dataclass(frozen=True)
class SourceSite:
    name: str
    allowed_domains: tuple[str, ...]  # as given, else the hosts of all the site's URLs
    sitemaps: tuple[str, ...] = ()  # sitemap, sitemap index or robots.txt URLs
    feeds: tuple[str, ...] = ()  # feed URLs, or pages announcing feeds with <link rel="alternate">
    start_urls: tuple[str, ...] = ()  # pages to follow links from
    follow: tuple[re.Pattern[str], ...] = ()  # links to follow must match one of these (if any)
    deny: tuple[re.Pattern[str], ...] = ()  # ...and none of these
    article_pattern: re.Pattern[str] | None = None  # URL regex of article pages; None: the content test decides
    depth: int = 1  # link-following depth from start_urls
    crawl_delay: float = 0.0  # seconds between requests; 0: the project's DOWNLOAD_DELAY
    since: datetime.date | None = None  # sitemap and feed entries older than this are ignored
    prune_xpaths: tuple[str, ...] = ()  # removed from the page before text extraction
    junk_patterns: tuple[re.Pattern[str], ...] = ()  # lines/paragraphs of extracted text to drop
    proxy: str | None = None  # every request of the site goes through it (request.meta["proxy"])
    cookies_file: str | None = None  # Netscape cookies.txt, absolute path: the site's cookie jar starts with it

    def allows(self, url: str) -> bool:
        """Whether a link may be followed: it matches a ``follow`` pattern (when there are any) and no ``deny``."""
        if self.follow and not any(pattern.search(url) for pattern in self.follow):
            return False
        return not any(pattern.search(url) for pattern in self.deny)

    def is_allowed_domain(self, url: str) -> bool:
        """Whether the URL's host is one of allowed_domains or a subdomain of one (as Scrapy's offsite check)."""
        host = (urlsplit(url).hostname or "").lower()
        return any(host == domain or host.endswith("." + domain) for domain in self.allowed_domains)


def load_sources(path: str | Path) -> list[SourceSite]:
    """Read and validate a sources file; raises SourcesError on anything wrong."""
    path = Path(path)
    try:
        with path.open("rb") as stream:
            document = tomllib.load(stream)
    except OSError as exc:
        raise SourcesError(f"{path}: cannot read the sources file: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:  # also a table declared twice, i.e. a duplicate site name
        raise SourcesError(f"{path}: not valid TOML: {exc}") from None
    unknown = sorted(set(document) - {"sites", "distributed"})
    if unknown:
        raise SourcesError(f"{path}: unknown top-level key(s) {', '.join(map(repr, unknown))}; "
                           "only [sites.NAME] and [distributed]")
    distributed_settings(path, document)
    sites_table = document.get("sites")
    if not isinstance(sites_table, dict) or not sites_table:
        raise SourcesError(f"{path}: no sites; add at least one [sites.NAME] table")
    sites: list[SourceSite] = []
    seen: dict[str, str] = {}
    for name, table in sites_table.items():
        site = _SiteReader(path, name).read(table)
        if name.lower() in seen:  # TOML refuses exact repeats itself; names differing only in case collide here
            raise SourcesError(f"{path}: duplicate site name {name!r} (also {seen[name.lower()]!r})")
        seen[name.lower()] = name
        sites.append(site)
    return sites


DISTRIBUTED_KEYS = {  # [distributed] key -> (setting, type)
    "enabled": ("DISTRIBUTED", bool),
    "redis_url": ("REDIS_URL", str),
    "key_prefix": ("DISTRIBUTED_KEY_PREFIX", str),
    "idle_exit": ("DISTRIBUTED_IDLE_EXIT", (int, float)),
    "worker_timeout": ("DISTRIBUTED_WORKER_TIMEOUT", (int, float)),
    "redis_outage": ("DISTRIBUTED_REDIS_OUTAGE", (int, float)),
}


def distributed_settings(path: str | Path, document: dict | None = None) -> dict[str, object]:
    """Settings from the file's optional [distributed] table (``-s`` on the command line wins)."""
    if document is None:
        try:
            with Path(path).open("rb") as stream:
                document = tomllib.load(stream)
        except (OSError, tomllib.TOMLDecodeError):
            return {}  # load_sources reports it
    table = document.get("distributed", {})
    if not isinstance(table, dict):
        raise SourcesError(f"{path}: distributed must be a table ([distributed])")
    settings = {}
    for key, value in table.items():
        if key not in DISTRIBUTED_KEYS:
            raise SourcesError(f"{path}: [distributed]: unknown key {key!r}; known: {', '.join(DISTRIBUTED_KEYS)}")
        setting, kind = DISTRIBUTED_KEYS[key]
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise SourcesError(f"{path}: [distributed]: {key} has the wrong type ({type(value).__name__})")
        settings[setting] = value
    return settings


def select(sites: Iterable[SourceSite], only: str | None) -> list[SourceSite]:
    """All sites, or just the one named ``only``."""
    sites = list(sites)
    if only is None:
        return sites
    chosen = [site for site in sites if site.name == only]
    if not chosen:
        known = ", ".join(site.name for site in sites) or "none"
        raise SourcesError(f"unknown site {only!r}; the sources file has: {known}")
    return chosen


class _SiteReader:
    """Validates one [sites.NAME] table; its errors say where they are."""

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name

    def error(self, key: str | None, problem: str) -> SourcesError:
        where = f"[sites.{self.name}]" + (f" {key}" if key else "")
        return SourcesError(f"{self.path}: {where}: {problem}")

    def read(self, table: Any) -> SourceSite:
        if not SITE_NAME.match(self.name):
            raise self.error(None, "a site name must be letters, digits, '_', '.' or '-' (starting with a letter "
                                   "or digit)")
        if not isinstance(table, dict):
            raise self.error(None, f"must be a table, not {_type_name(table)}")
        self.reject_unknown(table, SITE_KEYS, "")
        extract = table.get("extract", {})
        if not isinstance(extract, dict):
            raise self.error("extract", f"must be a table ([sites.{self.name}.extract]), not {_type_name(extract)}")
        self.reject_unknown(extract, EXTRACT_KEYS, "extract.")
        sitemaps = self.urls(table, "sitemaps")
        feeds = self.urls(table, "feeds")
        start_urls = self.urls(table, "start_urls")
        if not (sitemaps or feeds or start_urls):
            raise self.error(None, "no way to discover articles: give sitemaps, feeds or start_urls")
        allowed_domains = self.domains(table) or _hosts(sitemaps + feeds + start_urls)
        site = SourceSite(
            name=self.name,
            allowed_domains=allowed_domains,
            sitemaps=sitemaps,
            feeds=feeds,
            start_urls=start_urls,
            follow=tuple(self.regex(pattern, "follow") for pattern in self.strings(table, "follow")),
            deny=tuple(self.regex(pattern, "deny") for pattern in self.strings(table, "deny")),
            article_pattern=self.optional_regex(table, "article_pattern"),
            depth=self.number(table, "depth", default=1, integer=True),
            crawl_delay=float(self.number(table, "crawl_delay", default=0.0, integer=False)),
            since=self.date(table, "since"),
            prune_xpaths=tuple(self.xpath(xpath) for xpath in self.strings(extract, "prune_xpaths", "extract.")),
            junk_patterns=tuple(self.regex(pattern, "extract.junk_patterns")
                                for pattern in self.strings(extract, "junk_patterns", "extract.")),
            proxy=self.proxy(table),
            cookies_file=self.cookies_file(table),
        )
        for url in site.start_urls:
            if not site.is_allowed_domain(url):  # Scrapy's offsite filter would drop every link it yields
                logger.warning("%s: [sites.%s] start URL %s is outside allowed_domains", self.path, self.name, url)
        return site

    def reject_unknown(self, table: dict, known: frozenset[str], prefix: str) -> None:
        unknown = sorted(set(table) - known)
        if unknown:
            raise self.error(prefix + unknown[0], f"unknown key; known keys are: {', '.join(sorted(known))}")

    def strings(self, table: dict, key: str, prefix: str = "") -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list):
            raise self.error(prefix + key, f"must be a list of strings, not {_type_name(value)}")
        for number, item in enumerate(value, 1):
            if not isinstance(item, str):
                raise self.error(prefix + key, f"must be a list of strings; item {number} is {_type_name(item)}")
        if any(not item.strip() for item in value):
            raise self.error(prefix + key, "contains an empty string")
        return tuple(item.strip() for item in value)

    def urls(self, table: dict, key: str) -> tuple[str, ...]:
        urls = self.strings(table, key)
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname or any(char.isspace() for char in url):
                raise self.error(key, f"not an absolute http(s) URL: {url!r}")
        return tuple(dict.fromkeys(urls))

    def domains(self, table: dict) -> tuple[str, ...]:
        domains = self.strings(table, "allowed_domains")
        for domain in domains:
            if not HOSTNAME.match(domain):
                raise self.error("allowed_domains", f"not a lower-case host name (no scheme, port or path): {domain!r}")
        return tuple(dict.fromkeys(domains))

    def proxy(self, table: dict) -> str | None:
        value = table.get("proxy")
        if value is None:
            return None
        problem = "must be a proxy URL: http://, https://, socks5:// or socks5h://[user:password@]host:port"
        if not isinstance(value, str):
            raise self.error("proxy", problem)
        parts = urlsplit(value.strip())
        try:
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            raise self.error("proxy", problem) from None
        if parts.scheme not in PROXY_SCHEMES or not parts.hostname:
            raise self.error("proxy", problem)
        return value.strip()

    def cookies_file(self, table: dict) -> str | None:
        value = table.get("cookies_file")
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error("cookies_file", f"must be the path of a cookies.txt file, not {_type_name(value)}")
        path = (self.path.parent / value.strip()).resolve()  # relative to the sources file
        try:
            load_cookies(path)
        except CookiesFileError as exc:
            raise self.error("cookies_file", str(exc)) from None
        return str(path)

    def regex(self, pattern: str, key: str) -> re.Pattern[str]:
        try:
            return re.compile(pattern)
        except re.error as exc:
            raise self.error(key, f"bad regular expression {pattern!r}: {exc}") from None

    def optional_regex(self, table: dict, key: str) -> re.Pattern[str] | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"must be a non-empty string (a regular expression), not {_type_name(value)}")
        return self.regex(value, key)

    def xpath(self, expression: str) -> str:
        try:
            etree.XPath(expression)
        except etree.XPathSyntaxError as exc:
            raise self.error("extract.prune_xpaths", f"bad XPath {expression!r}: {exc}") from None
        return expression

    def number(self, table: dict, key: str, *, default: float, integer: bool) -> Any:
        value = table.get(key, default)
        wanted = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, wanted):
            raise self.error(key, f"must be {'an integer' if integer else 'a number'}, not {_type_name(value)}")
        if not math.isfinite(value) or value < 0:
            raise self.error(key, f"must be a finite number, not negative: {value}")
        return value

    def date(self, table: dict, key: str) -> datetime.date | None:
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, datetime.datetime):
            raise self.error(key, "must be a date (2024-01-31), not a date and time")
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, str):
            try:
                return datetime.date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise self.error(key, f"must be a date like 2024-01-31, not {value!r}")


def _hosts(urls: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(urlsplit(url).hostname for url in urls if urlsplit(url).hostname))


def _type_name(value: object) -> str:
    return {dict: "a table", list: "a list", str: "a string", bool: "a boolean", int: "an integer",
            float: "a number"}.get(type(value), type(value).__name__)

"""The catalog of a distributed crawl: each worker keeps writing its SQLite
catalog in its ARCHIVE_DIR (the review tools read it; workers sharing a folder
on one machine share the file), and every row also goes to Redis, where the
lookups that must see all workers' captures are answered:

- ``original_capture``: a payload archived by any worker becomes a revisit;
- ``last_capture`` / ``last_ok_capture``: recrawl age and conditional headers;
- ``latest_revision``: unchanged filter and revision numbers;
- ``mark_blocked``: a capture that was a wall (bot challenge, consent, paywall) stops being
  any worker's last capture of its URL, so the URL is fetched again.

The full rows are kept in Redis lists too, so that ``scrapy frontier
--export-catalog PATH`` can write the complete catalog of all machines.
While Redis is away, rows wait in memory and lookups fall back to the local
file; nothing a worker archived depends on Redis being up.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping

import redis

from pipelines.storage.catalog import Catalog, CatalogIndex, is_complete

from .connection import redacted, redis_client

logger = logging.getLogger(__name__)

RETRY_AFTER = 2.0  # seconds without trying Redis after a failure


class _Down(redis.ConnectionError):
    """Redis failed a moment ago: not tried again yet."""

# Lua: keep a row as the newest of its URL unless a newer one is there (ISO dates compare as text).
_SET_NEWER = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  local previous = cjson.decode(old)
  if previous[ARGV[3]] and previous[ARGV[3]] > ARGV[4] then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
"""

# Lua: forget a URL's entry in each hash when it is the given capture (a wall).
_FORGET_CAPTURE = """
for _, key in ipairs(KEYS) do
  local raw = redis.call('HGET', key, ARGV[1])
  if raw and cjson.decode(raw)['record_id'] == ARGV[2] then redis.call('HDEL', key, ARGV[1]) end
end
return 1
"""


class CatalogKeys:
    def __init__(self, prefix: str):
        base = f"{prefix}:catalog"
        self.articles = f"{base}:articles"          # list of JSON rows
        self.captures = f"{base}:captures"          # list of JSON rows
        self.latest_article = f"{base}:latest-article"  # hash URL -> newest revision's row
        self.last_capture = f"{base}:last-capture"  # hash URL -> newest complete capture
        self.last_ok = f"{base}:last-ok-capture"    # hash URL -> newest complete 200 capture
        self.originals = f"{base}:originals"        # hash digest, and digest URL -> first 200 response
        self.canonical = f"{base}:canonical"        # hash canonical URL -> a URL fetched for it


def _json(row: Mapping[str, object]) -> str:
    return json.dumps(dict(row), sort_keys=True, default=str)


class SharedCatalog(CatalogIndex):
    def __init__(self, local: Catalog, server: redis.Redis, prefix: str, url: str = ""):
        self.local = local
        self.server = server
        self.keys = CatalogKeys(prefix)
        self.url = url
        self.backlog: list[tuple[str, dict]] = []
        self._set_newer = server.register_script(_SET_NEWER)
        self._forget_capture = server.register_script(_FORGET_CAPTURE)
        self._warned = False
        self._down_until = 0.0

    def _check_up(self) -> None:
        if time.monotonic() < self._down_until:
            raise _Down("Redis was unreachable a moment ago")

    @classmethod
    def from_settings(cls, local: Catalog, settings) -> SharedCatalog:
        url = settings.get("REDIS_URL")
        return cls(local, redis_client(url), settings.get("DISTRIBUTED_KEY_PREFIX"), url)

    def _failed(self, exc: Exception, doing: str) -> None:
        # Do not call Redis again for a moment: each failing call blocks the crawl while it retries.
        self._down_until = time.monotonic() + RETRY_AFTER
        if not self._warned:
            logger.error("Shared catalog: Redis at %s unreachable while %s (%s: %s); rows wait in memory, "
                         "lookups use the local catalog", redacted(self.url), doing, type(exc).__name__, exc)
            self._warned = True

    # -- writes ---------------------------------------------------------------------
    def add_article(self, row: Mapping[str, object]) -> int:
        row = {"revision": 1, **row}
        rowid = self.local.add_article(row)
        self._share("article", row)
        return rowid

    def add_capture(self, row: Mapping[str, object]) -> int:
        rowid = self.local.add_capture(row)
        self._share("capture", dict(row))
        return rowid

    def mark_blocked(self, row: Mapping[str, object]) -> None:
        self.local.mark_blocked(row)
        self._share("blocked", dict(row))

    def _share(self, kind: str, row: dict) -> None:
        self.backlog.append((kind, row))
        self.flush()

    def flush(self) -> bool:
        if self.backlog and time.monotonic() < self._down_until:
            return False
        try:
            while self.backlog:
                kind, row = self.backlog[0]
                {"article": self._write_article, "capture": self._write_capture,
                 "blocked": self._write_blocked}[kind](row)
                self.backlog.pop(0)
        except redis.RedisError as exc:
            self._failed(exc, "sharing a catalog row")
            return False
        if self._warned:
            logger.warning("Shared catalog: Redis reachable again, rows shared")
            self._warned = False
        return True

    def _write_article(self, row: dict) -> None:
        data = _json(row)
        with self.server.pipeline() as pipe:
            pipe.rpush(self.keys.articles, data)
            for url in {row["url"], row.get("canonical_url")} - {None}:
                pipe.hset(self.keys.latest_article, url, data)
            if row.get("canonical_url") and row["canonical_url"] != row["url"]:
                pipe.hset(self.keys.canonical, row["canonical_url"], row["url"])
            pipe.execute()

    def _write_capture(self, row: dict) -> None:
        data = _json(row)
        url, fetched = row["url"], str(row["fetched_at"])
        with self.server.pipeline(transaction=False) as pipe:  # one round trip
            pipe.rpush(self.keys.captures, data)
            if is_complete(row):  # failed and partial exchanges never count as archived
                self._set_newer(keys=[self.keys.last_capture], args=[url, data, "fetched_at", fetched], client=pipe)
            if row.get("status") == 200 and not row.get("truncated"):
                self._set_newer(keys=[self.keys.last_ok], args=[url, data, "fetched_at", fetched], client=pipe)
                if row.get("record_type") == "response" and row.get("payload_digest"):
                    digest = row["payload_digest"]
                    pipe.hsetnx(self.keys.originals, digest, data)
                    pipe.hsetnx(self.keys.originals, f"{digest} {url}", data)
            pipe.execute()

    def _write_blocked(self, row: dict) -> None:
        self._forget_capture(keys=[self.keys.last_capture, self.keys.last_ok], args=[row["url"], row["record_id"]])

    # -- lookups: every worker's rows, else this worker's file ---------------------------
    def _get(self, key: str, field: str) -> dict | None:
        self.flush()
        self._check_up()
        try:
            raw = self.server.hget(key, field)
        except redis.RedisError as exc:
            self._failed(exc, "looking up the catalog")
            raise
        return json.loads(raw) if raw else None

    def latest_revision(self, url: str, canonical_url: str | None = None):
        try:
            rows = [r for r in (self._get(self.keys.latest_article, u) for u in dict.fromkeys(
                (url, canonical_url or url))) if r]
        except redis.RedisError:
            return self.local.latest_revision(url, canonical_url)
        if rows:
            return max(rows, key=lambda r: r.get("revision") or 0)
        return self.local.latest_revision(url, canonical_url)

    def last_capture(self, url: str):
        try:
            row = self._get(self.keys.last_capture, url)
            if row is None:
                fetched_as = self.server.hget(self.keys.canonical, url)
                if fetched_as:
                    row = self._get(self.keys.last_capture, fetched_as.decode())
        except redis.RedisError:
            row = None
        return row or self.local.last_capture(url)

    def last_ok_capture(self, url: str):
        try:
            row = self._get(self.keys.last_ok, url)
        except redis.RedisError:
            row = None
        return row or self.local.last_ok_capture(url)

    def original_capture(self, payload_digest: str, url: str):
        try:
            self.flush()
            self._check_up()
            same_url, any_url = self.server.hmget(self.keys.originals, [f"{payload_digest} {url}", payload_digest])
            row = json.loads(same_url or any_url) if (same_url or any_url) else None
        except redis.RedisError as exc:
            if not isinstance(exc, _Down):
                self._failed(exc, "looking up the catalog")
            row = None
        return row or self.local.original_capture(payload_digest, url)

    # -- whole catalog -----------------------------------------------------------------
    def articles(self):
        return self.local.articles()

    def captures(self):
        return self.local.captures()

    def close(self) -> None:
        if self.backlog and not self.flush():
            logger.error("Shared catalog: %d rows could not be shared (Redis unreachable); they are in the local "
                         "catalog %s", len(self.backlog), self.local.path)
        self.local.close()


def export_catalog(server: redis.Redis, prefix: str, path: str) -> tuple[int, int]:
    """Write every shared row into a (new or existing) SQLite catalog: (articles, captures)."""
    keys = CatalogKeys(prefix)
    catalog = Catalog(path)
    try:
        have = {(r["url"], r["fetched_at"], r["response_record_id"]) for r in catalog.articles()}
        articles = captures = 0
        for raw in server.lrange(keys.articles, 0, -1):
            row = json.loads(raw)
            if (row["url"], row["fetched_at"], row.get("response_record_id")) not in have:
                catalog.add_article(row)
                articles += 1
        seen = {r["record_id"] for r in catalog.captures()}
        for raw in server.lrange(keys.captures, 0, -1):
            row = json.loads(raw)
            if row["record_id"] not in seen:
                catalog.add_capture(row)
                captures += 1
        return articles, captures
    finally:
        catalog.close()

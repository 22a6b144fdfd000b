"""The shared frontier in Redis, below Scrapy: a priority queue (scrapy-redis's
layout) whose requests are *leased* to the worker that takes them.

Taking a request moves it, atomically, from the queue into the lease hash under
the worker's name; the worker deletes the lease once Scrapy is done with the
request (downloaded, parsed, its items stored, or handed back as a redirect or
retry). A worker that stops reporting (killed, machine gone) leaves its leases
behind; any other worker puts them back into the queue. A request is therefore
fetched at least once, even when a worker dies holding it.

A *run* lasts from the first seed pushed into an empty frontier until the
frontier is empty again with nothing leased: the dupe filter (URLs seen in this
run) and the seeded spider arguments are then cleared, so that the next run
starts from its own seeds and fetches sitemaps and feeds again.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import redis

from crawler import meta

from .connection import Keys

LEASE_SEPARATOR = "#"

# KEYS: queue, leases, lease_scores; ARGV: lease id. Idempotent: taking an existing lease again
# (a retry after the reply was lost) returns the same request instead of a second one.
_TAKE = """
local have = redis.call('HGET', KEYS[2], ARGV[1])
if have then return have end
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return false end
redis.call('ZREM', KEYS[1], top[1])
redis.call('HSET', KEYS[2], ARGV[1], top[1])
redis.call('HSET', KEYS[3], ARGV[1], top[2])
return top[1]
"""

# KEYS: queue, dupefilter; ARGV: fingerprint ('' for none), request, score -> 1 if queued
_PUSH_UNLESS_SEEN = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
return 1
"""

# KEYS: queue, leases, lease_scores; ARGV: lease id, the request as it goes back -> 1 if it was leased
_GIVE_BACK = """
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return 0 end
local score = redis.call('HGET', KEYS[3], ARGV[1]) or '0'
redis.call('ZADD', KEYS[1], score, ARGV[2])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
"""

# KEYS: queue, leases, dupefilter, runs, seeds -> 1 when the run ended here
_END_RUN_IF_DRAINED = """
if redis.call('ZCARD', KEYS[1]) == 0 and redis.call('HLEN', KEYS[2]) == 0 then
  if redis.call('EXISTS', KEYS[3]) == 1 or redis.call('EXISTS', KEYS[5]) == 1 then
    redis.call('DEL', KEYS[3], KEYS[5])
    redis.call('INCR', KEYS[4])
    return 1
  end
end
return 0
"""


@dataclass(frozen=True)
class FrontierSize:
    queued: int
    leased: int
    seen: int  # request fingerprints in this run's dupe filter

    @property
    def empty(self) -> bool:
        return not (self.queued or self.leased)


def lease_owner(lease: str) -> str:
    return lease.rsplit(LEASE_SEPARATOR, 1)[0]


class Frontier:
    def __init__(self, server: redis.Redis, keys: Keys):
        self.server = server
        self.keys = keys
        self._take = server.register_script(_TAKE)
        self._give_back = server.register_script(_GIVE_BACK)
        self._end_run = server.register_script(_END_RUN_IF_DRAINED)
        self._push_unless_seen = server.register_script(_PUSH_UNLESS_SEEN)

    @property
    def _lease_keys(self) -> list[str]:
        return [self.keys.queue, self.keys.leases, self.keys.lease_scores]

    # -- queue ----------------------------------------------------------------------
    def push(self, data: bytes, priority: int) -> None:
        self.server.zadd(self.keys.queue, {data: -priority})

    def push_unless_seen(self, data: bytes, priority: int, fingerprint: str | None) -> bool:
        """Queue a request unless its fingerprint is in this run's dupe filter (one round trip)."""
        return bool(self._push_unless_seen(keys=[self.keys.queue, self.keys.dupefilter],
                                           args=[fingerprint or "", data, -priority]))

    def take(self, lease: str) -> bytes | None:
        """The highest-priority request, now leased under ``lease`` (WORKER#N)."""
        return self._take(keys=self._lease_keys, args=[lease])

    def done(self, *leases: str) -> None:
        if leases:
            with self.server.pipeline() as pipe:
                pipe.hdel(self.keys.leases, *leases)
                pipe.hdel(self.keys.lease_scores, *leases)
                pipe.execute()

    def give_back(self, leases: list[str]) -> int:
        """Requeue leased requests, marked ``meta.RETURNED``: the worker that held them
        may have captured them without finishing, so a recent capture must not stop them."""
        returned = 0
        for lease, data in zip(leases, self.server.hmget(self.keys.leases, leases) if leases else [], strict=True):
            if data is None:
                continue
            request = json.loads(data)
            request.setdefault("meta", {})[meta.RETURNED] = True
            marked = json.dumps(request, separators=(",", ":"), sort_keys=True)
            returned += int(self._give_back(keys=self._lease_keys, args=[lease, marked]))
        return returned

    def give_back_worker(self, worker: str) -> int:
        """Put every request leased by ``worker`` back into the queue."""
        return self.give_back(self._leases_by_owner().get(worker, []))

    def reclaim_dead(self, me: str) -> dict[str, int]:
        """Requeue the leases of workers that stopped reporting: {worker: requests}."""
        reclaimed = {}
        for owner, leases in self._leases_by_owner().items():
            if owner != me and not self.server.exists(self.keys.alive(owner)):
                reclaimed[owner] = self.give_back(leases)
        return {owner: n for owner, n in reclaimed.items() if n}

    def _leases_by_owner(self) -> dict[str, list[str]]:
        owners: dict[str, list[str]] = {}
        for lease in self.server.hkeys(self.keys.leases):
            lease = lease.decode() if isinstance(lease, bytes) else lease
            owners.setdefault(lease_owner(lease), []).append(lease)
        return owners

    def size(self) -> FrontierSize:
        with self.server.pipeline(transaction=False) as pipe:
            pipe.zcard(self.keys.queue)
            pipe.hlen(self.keys.leases)
            pipe.scard(self.keys.dupefilter)
            queued, leased, seen = pipe.execute()
        return FrontierSize(queued, leased, seen)

    def end_run_if_drained(self) -> bool:
        keys = [self.keys.queue, self.keys.leases, self.keys.dupefilter, self.keys.runs, self.keys.seeds]
        return bool(self._end_run(keys=keys))

    def run_number(self) -> int:
        return int(self.server.get(self.keys.runs) or 0) + 1

    def clear(self) -> None:
        self.server.delete(self.keys.queue, self.keys.leases, self.keys.lease_scores, self.keys.dupefilter,
                           self.keys.seeds, self.keys.workers)

    # -- seeds: the spider arguments every worker adopts -----------------------------
    def add_seed_arguments(self, arguments: dict) -> None:
        encoded = json.dumps(arguments, sort_keys=True)
        if encoded.encode() not in self.server.lrange(self.keys.seeds, 0, -1):
            self.server.rpush(self.keys.seeds, encoded)

    def seed_arguments(self) -> list[dict]:
        return [json.loads(raw) for raw in self.server.lrange(self.keys.seeds, 0, -1)]

    def seed_count(self) -> int:
        return self.server.llen(self.keys.seeds)

    # -- workers ----------------------------------------------------------------------
    def report(self, worker: str, info: dict, ttl: float) -> None:
        with self.server.pipeline() as pipe:
            pipe.set(self.keys.alive(worker), "1", px=max(1, int(ttl * 1000)))
            pipe.hset(self.keys.workers, worker, json.dumps({**info, "seen": time.time()}))
            pipe.execute()

    def leave(self, worker: str, info: dict) -> None:
        with self.server.pipeline() as pipe:
            pipe.delete(self.keys.alive(worker))
            pipe.hset(self.keys.workers, worker, json.dumps({**info, "seen": time.time()}))
            pipe.execute()

    def workers(self) -> dict[str, dict]:
        """Every worker that reported in this frontier, with ``alive`` set from its heartbeat key."""
        found = {}
        for name, raw in self.server.hgetall(self.keys.workers).items():
            worker = name.decode()
            info = json.loads(raw)
            info["alive"] = bool(self.server.exists(self.keys.alive(worker)))
            found[worker] = info
        return found

    def run_done(self, run_number: int) -> int:
        """Articles archived or found unchanged by every worker that worked in frontier run N."""
        return sum(info.get("archived", 0) + info.get("unchanged", 0) for info in self.workers().values()
                   if info.get("frontier_run") == run_number)

    def leases_by_worker(self) -> dict[str, int]:
        return {owner: len(leases) for owner, leases in self._leases_by_owner().items()}

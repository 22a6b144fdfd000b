"""Distributed crawling: several workers, on one or more machines, share one
frontier in Redis through scrapy-redis (``-s DISTRIBUTED=1 -s REDIS_URL=...``).

- ``connection``: the Redis client and the key names.
- ``serializer``: requests as JSON in Redis (never pickle: the queue is shared).
- ``frontier``: the shared queue with leases, so a dead worker's requests go back.
- ``scheduler``: the scrapy-redis scheduler on that queue, acknowledging requests
  once Scrapy is done with them and spooling pushes while Redis is away.
- ``worker``: heartbeat, progress, reclaiming dead workers' requests, idle exit.
- ``shared_catalog``: the catalog lookups (dedup, recrawl, revisions) shared in Redis.
"""

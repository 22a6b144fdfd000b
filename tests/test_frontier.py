"""The shared frontier's parts on a real redis-server: request encoding, leases and their
return, the end of a run, seeded arguments, and the shared catalog index."""

from __future__ import annotations

import json

import pytest
import redis
import scrapy

from crawler import meta
from crawler.distributed import seeds, serializer
from crawler.distributed.connection import Keys, redacted
from crawler.distributed.frontier import Frontier
from crawler.distributed.shared_catalog import SharedCatalog, export_catalog
from pipelines.storage.catalog import Catalog
from tests.redisserver import RedisServer


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield running
    running.stop()


@pytest.fixture
def frontier(server, request):
    client = server.client()
    yield Frontier(client, Keys("test", request.node.name))


def test_requests_travel_as_json_and_come_back_equal():
    request = scrapy.Request("https://example.com/a?b=1", method="POST", body=b"\x00\xffdata",
                             headers={"Accept": "text/html", b"X-Bytes": b"\xe9"}, priority=5,
                             meta={"site": "x", "nested": {"n": 1, "raw": b"\x01"}, "list": (1, 2)})
    data = serializer.dumps(request.to_dict())
    json.loads(data)  # plain JSON, not pickle
    back = serializer.loads(data)
    assert back["body"] == b"\x00\xffdata"
    assert back["meta"]["nested"]["raw"] == b"\x01"
    assert back["meta"]["list"] == [1, 2]
    assert scrapy.Request(**{k: v for k, v in back.items() if k in ("url", "method", "body", "headers")}).headers[
        b"X-Bytes"] == b"\xe9"


def test_serializer_refuses_what_json_cannot_carry():
    with pytest.raises(TypeError, match="cannot put a object"):
        serializer.dumps({"meta": {"x": object()}})


def test_leases_and_their_return(frontier):
    frontier.push(b'{"url":"low"}', priority=0)
    frontier.push(b'{"url":"high"}', priority=10)
    assert frontier.take("alive-worker#1") == b'{"url":"high"}'
    assert frontier.take("dead-worker#1") == b'{"url":"low"}'
    assert frontier.take("dead-worker#2") is None
    assert (frontier.size().queued, frontier.size().leased) == (0, 2)

    frontier.report("alive-worker", {"state": "crawling"}, ttl=30)
    assert frontier.reclaim_dead(me="someone-else") == {"dead-worker": 1}  # alive-worker keeps its lease
    returned = json.loads(frontier.take("alive-worker#2"))
    assert returned == {"url": "low", "meta": {meta.RETURNED: True}}
    frontier.done("alive-worker#1", "alive-worker#2")
    assert frontier.size().empty


def test_taking_a_lease_again_returns_the_same_request(frontier):
    # a retry after the reply was lost must not take a second request under the same lease
    frontier.push(b'{"url":"one"}', priority=1)
    frontier.push(b'{"url":"two"}', priority=0)
    assert frontier.take("w#1") == b'{"url":"one"}'
    assert frontier.take("w#1") == b'{"url":"one"}'
    assert (frontier.size().queued, frontier.size().leased) == (1, 1)


def test_a_run_ends_only_when_nothing_is_queued_or_leased(frontier):
    frontier.server.sadd(frontier.keys.dupefilter, "fingerprint")
    frontier.add_seed_arguments({"urls": "https://example.com/"})
    frontier.push(b'{"url":"x"}', priority=0)
    assert not frontier.end_run_if_drained()
    frontier.take("w#1")
    assert not frontier.end_run_if_drained()  # leased: may still make new requests
    assert frontier.run_number() == 1
    frontier.done("w#1")
    assert frontier.end_run_if_drained()
    assert frontier.size().seen == 0 and frontier.seed_arguments() == []
    assert frontier.run_number() == 2


def test_seeded_arguments_merge_urls_and_take_the_latest_other_values(tmp_path):
    urls_file = tmp_path / "urls.txt"
    urls_file.write_text("https://b.example/2\n")
    first = seeds.normalized({"urls": "https://a.example/1", "urls_file": str(urls_file), "since": "2024-01-01"})
    assert first == {"urls": "https://a.example/1,https://b.example/2", "since": "2024-01-01"}
    second = seeds.normalized({"urls": "https://a.example/1,https://c.example/3", "since": "2024-02-01"})
    assert seeds.merged([first, second]) == {
        "urls": "https://a.example/1,https://b.example/2,https://c.example/3", "since": "2024-02-01"}
    assert seeds.normalized({"config": "sources.toml"})["config"].startswith("/")


def test_redis_urls_lose_their_password_in_logs():
    assert redacted("redis://user:secret@host:6380/1") == "redis://user:***@host:6380/1"
    assert redacted("redis://host:6379/0") == "redis://host:6379/0"


def capture(url: str, record_id: str, digest: str = "sha1:AAA", fetched: str = "2026-01-01T00:00:00Z") -> dict:
    return {"url": url, "fetched_at": fetched, "status": 200, "record_type": "response", "record_id": record_id,
            "warc_file": "a.warc.gz", "warc_offset": 0, "payload_digest": digest}


def test_workers_see_each_others_captures_and_revisions(server, tmp_path):
    one = SharedCatalog(Catalog(tmp_path / "one.sqlite"), server.client(), "shared-test")
    two = SharedCatalog(Catalog(tmp_path / "two.sqlite"), server.client(), "shared-test")
    one.add_capture(capture("https://a.example/x", "<urn:uuid:1>"))
    assert two.original_capture("sha1:AAA", "https://b.example/y")["record_id"] == "<urn:uuid:1>"
    assert two.local.original_capture("sha1:AAA", "https://b.example/y") is None  # from Redis, not its file
    two.add_capture(capture("https://a.example/x", "<urn:uuid:2>", fetched="2026-01-02T00:00:00Z"))
    one.add_capture(capture("https://a.example/x", "<urn:uuid:0>", fetched="2025-12-31T00:00:00Z"))  # late, older
    assert one.last_capture("https://a.example/x")["record_id"] == "<urn:uuid:2>"

    one.add_article({"url": "https://a.example/x", "fetched_at": "2026-01-01T00:00:00Z", "text_path": "t",
                     "text_sha1": "s", "canonical_url": "https://a.example/canonical"})
    assert two.latest_revision("https://a.example/canonical")["revision"] == 1
    assert two.last_capture("https://a.example/canonical")["record_id"] == "<urn:uuid:2>"

    exported = tmp_path / "all.sqlite"
    assert export_catalog(server.client(), "shared-test", str(exported)) == (1, 3)
    assert export_catalog(server.client(), "shared-test", str(exported)) == (0, 0)  # idempotent
    one.close()
    two.close()


def test_a_wall_stops_being_any_workers_last_capture(server, tmp_path):
    one = SharedCatalog(Catalog(tmp_path / "one.sqlite"), server.client(), "wall-test")
    two = SharedCatalog(Catalog(tmp_path / "two.sqlite"), server.client(), "wall-test")
    one.add_capture(capture("https://a.example/paywalled", "<urn:uuid:stub>"))
    assert two.last_capture("https://a.example/paywalled")["record_id"] == "<urn:uuid:stub>"
    one.mark_blocked({"record_id": "<urn:uuid:stub>", "url": "https://a.example/paywalled", "reason": "paywall",
                      "detail": "stub", "run_id": "R", "detected_at": "2026-01-01T00:00:01Z"})
    assert two.last_capture("https://a.example/paywalled") is None  # fetched again, by any worker
    assert two.last_ok_capture("https://a.example/paywalled") is None
    assert [row["reason"] for row in one.local.blocked_captures()] == ["paywall"]
    one.close()
    two.close()


def test_shared_catalog_keeps_rows_while_redis_is_away(server, tmp_path):
    catalog = SharedCatalog(Catalog(tmp_path / "c.sqlite"), redis.Redis(port=1, socket_connect_timeout=1),
                            "away-test")
    catalog.add_capture(capture("https://a.example/z", "<urn:uuid:9>"))
    assert len(catalog.backlog) == 1
    assert catalog.original_capture("sha1:AAA", "https://a.example/z")["record_id"] == "<urn:uuid:9>"  # local file
    catalog.server = server.client()  # Redis is back
    catalog._down_until = 0
    assert catalog.flush() and not catalog.backlog
    other = SharedCatalog(Catalog(tmp_path / "d.sqlite"), server.client(), "away-test")
    assert other.original_capture("sha1:AAA", "https://a.example/q")["record_id"] == "<urn:uuid:9>"


def test_a_request_seen_in_this_run_is_not_queued_again(frontier):
    assert frontier.push_unless_seen(b'{"url":"a"}', 0, "fp-a")
    assert not frontier.push_unless_seen(b'{"url":"a"}', 0, "fp-a")
    assert frontier.push_unless_seen(b'{"url":"a","dont_filter":true}', 0, None)  # dont_filter: no fingerprint
    assert (frontier.size().queued, frontier.size().seen) == (2, 1)


def test_the_exit_status_judges_the_run_not_the_worker(frontier):
    from crawler.exit_status import ExitStatus
    from crawler.extensions.run_summary import exit_status

    # a worker that had one article redirected to another worker, which archived everything
    frontier.report("busy", {"archived": 3, "unchanged": 1, "frontier_run": 4}, ttl=30)
    frontier.leave("idle", {"archived": 0, "unchanged": 0, "frontier_run": 4})
    frontier.leave("earlier", {"archived": 9, "unchanged": 0, "frontier_run": 3})
    assert frontier.run_done(4) == 4 and frontier.run_done(3) == 9 and frontier.run_done(5) == 0
    idle = {"finish_reason": "finished", "expected_articles": 1, "archived": 0, "unchanged": 0, "errors": 0}
    assert exit_status(idle, 0, 0.5) == ExitStatus.NOTHING_ARCHIVED  # alone, it would say nothing was archived
    assert exit_status({**idle, "run_archived": frontier.run_done(4)}, 0, 0.5) == ExitStatus.OK
    assert exit_status({**idle, "run_archived": frontier.run_done(5)}, 0, 0.5) == ExitStatus.NOTHING_ARCHIVED

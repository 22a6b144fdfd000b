"""HTTP framing against a misbehaving raw-socket server: h11 decides where each
response ends, nothing left on a connection is read as the next response, and
whatever arrived of a refused or cut response is kept, marked."""

from __future__ import annotations

import asyncio

import pytest

from crawler.capture import wire
from pipelines.storage.blocks import response_block
from tests.rawserver import RawServer, chunked, response, sends

HTML = [("Content-Type", "text/html; charset=utf-8")]


def page(n: int) -> bytes:
    return f"<html><body><p>Page {n} of the test site, its own text.</p></body></html>".encode()


@pytest.fixture
def server():
    with RawServer() as raw:
        for n in range(1, 6):
            raw.routes[f"/page{n}"] = sends(response("200 OK", HTML, page(n)))
        yield raw


def fetch_all(urls: list[str], timeout: float = 10, **client_options) -> list[wire.RawExchange | wire.WireError]:
    """Fetch one after the other with one client (so keep-alive connections are reused)."""

    async def go():
        client = wire.HttpClient(**client_options)
        results = []
        try:
            for url in urls:
                try:
                    results.append(await client.fetch("GET", url, [], timeout=timeout))
                except wire.WireError as exc:
                    results.append(exc)
        finally:
            await client.close()
        return results

    return asyncio.run(go())


def connections(server: RawServer, path: str) -> list[int]:
    return [seen.connection for seen in server.requests_for(path)]


@pytest.mark.parametrize("status", ["304 Not Modified", "204 No Content"])
def test_a_body_after_a_bodiless_status_is_never_the_next_response(server, status):
    server.routes["/odd"] = sends(response(status, [("ETag", '"x"')], b"", length=False)
                                  + response("200 OK", HTML, page(99)))  # what a broken server leaves behind
    odd, *pages = fetch_all([server.url("/odd")] + [server.url(f"/page{n}") for n in range(1, 6)])
    assert odd.status == int(status[:3]) and odd.body == b""
    assert "bytes after the end of the response" in odd.framing_error
    for n, exchange in enumerate(pages, 1):
        assert exchange.body == page(n), n  # never page 99, never another page's body
    assert connections(server, "/page1") != connections(server, "/odd")  # that connection was not reused


def test_stale_bytes_that_come_late_make_the_request_go_again_on_a_fresh_connection(server):
    def late_body(conn, seen, srv):
        conn.send(response("304 Not Modified", [], length=False))
        # the body comes only once the next request is on its way: no check before sending can see it
        conn.next_request()
        conn.send(b"<html><body>a stale body</body></html>")
        return False

    server.routes["/late"] = late_body
    late, first, second = fetch_all([server.url("/late"), server.url("/page1"), server.url("/page2")])
    assert late.status == 304
    assert first.body == page(1) and second.body == page(2)
    assert len(set(connections(server, "/page1"))) == 2  # asked on the old connection, then on a new one


def test_conflicting_content_lengths_are_refused_kept_and_marked(server):
    body = page(7)
    server.routes["/two-lengths"] = sends(response("200 OK", [*HTML, ("Content-Length", "10")], body))
    refused, after = fetch_all([server.url("/two-lengths"), server.url("/page1")])
    assert isinstance(refused, wire.FramingError)
    exchange = refused.exchange
    assert exchange.status == 200 and exchange.truncated == "unspecified"
    assert "Content-Length" in exchange.framing_error
    assert body.startswith(exchange.body)  # what arrived, never more
    block = response_block(exchange)
    assert b"X-Archive-Orig-Content-Length: 10\r\n" in block
    assert b"\r\nContent-Length: %d\r\n" % len(exchange.body) in block
    assert after.body == page(1)


def test_two_transfer_encodings_are_read_as_chunked_without_chunk_lines_in_the_body(server):
    body = page(8) * 5
    server.routes["/two-te"] = sends(response("200 OK", [*HTML, ("Transfer-Encoding", "identity"),
                                                         ("Transfer-Encoding", "chunked")], length=False)
                                     + chunked(body))
    exchange, after = fetch_all([server.url("/two-te"), server.url("/page1")])
    assert exchange.body == body and exchange.truncated is None
    assert "RFC 9112" in exchange.framing_error
    block = response_block(exchange)
    assert b"X-Archive-Orig-Transfer-Encoding: identity\r\nX-Archive-Orig-Transfer-Encoding: chunked\r\n" in block
    assert block.endswith(b"\r\n\r\n" + body)
    assert after.body == page(1)
    assert connections(server, "/page1") != connections(server, "/two-te")


def test_a_repeated_equal_content_length_is_accepted(server):
    body = page(9)
    server.routes["/n-n"] = sends(response("200 OK", [*HTML, ("Content-Length", f"{len(body)}, {len(body)}")],
                                           body, length=False))
    (exchange,) = fetch_all([server.url("/n-n")])
    assert exchange.body == body and exchange.truncated is None and exchange.framing_error is None
    block = response_block(exchange)  # the listed form is kept aside; the stored headers stay plain
    assert f"X-Archive-Orig-Content-Length: {len(body)}, {len(body)}\r\n".encode() in block
    assert f"\r\nContent-Length: {len(body)}\r\n".encode() in block


def test_six_hundred_set_cookie_lines_are_kept(server):
    cookies = [("Set-Cookie", f"c{n}=v{n}; Path=/") for n in range(600)]
    server.routes["/cookies"] = sends(response("200 OK", [*HTML, *cookies], page(3)))
    (exchange,) = fetch_all([server.url("/cookies")])
    assert exchange.body == page(3)
    assert sum(line.startswith(b"Set-Cookie:") for line in exchange.header_lines) == 600


def test_a_head_over_the_limits_is_cut_marked_and_fails(server):
    lines = [("X-Filler", "y" * 20)] * 60
    server.routes["/many"] = sends(response("200 OK", [*HTML, *lines], page(4)))
    refused, after = fetch_all([server.url("/many"), server.url("/page1")], max_header_lines=50)
    assert isinstance(refused, wire.HeaderTooLarge)
    exchange = refused.exchange
    assert exchange.status == 200 and exchange.truncated == "length" and exchange.body == b""
    assert len(exchange.header_lines) == 50
    assert after.body == page(1)


def test_no_status_line_before_the_timeout_makes_no_response(server):
    def four_bytes_then_nothing(conn, seen, srv):
        conn.send(b"HTTP")
        srv.hang()
        return False

    server.routes["/mute"] = four_bytes_then_nothing
    (failed,) = fetch_all([server.url("/mute")], timeout=1)
    assert isinstance(failed, wire.ExchangeTimeout)
    assert failed.exchange.status == 0 and failed.exchange.received == b"HTTP"


def test_garbage_instead_of_a_status_line_is_no_response(server):
    server.routes["/garbage"] = sends(b"\x16\x03\x01 not http at all\r\n\r\n", keep=False)
    (failed,) = fetch_all([server.url("/garbage")])
    assert isinstance(failed, wire.NoResponse)
    assert failed.exchange.status == 0 and failed.exchange.received.startswith(b"\x16\x03\x01")


def test_a_100_continue_then_a_closed_connection_is_no_response(server):
    server.routes["/continue"] = sends(b"HTTP/1.1 100 Continue\r\n\r\n", keep=False)
    (failed,) = fetch_all([server.url("/continue")])
    assert isinstance(failed, wire.NoResponse)
    assert failed.exchange.status == 0
    assert failed.exchange.received == b"HTTP/1.1 100 Continue\r\n\r\n"


def test_a_100_continue_before_the_response_is_skipped(server):
    server.routes["/interim"] = sends(b"HTTP/1.1 100 Continue\r\n\r\n" + response("200 OK", HTML, page(5)))
    (exchange,) = fetch_all([server.url("/interim")])
    assert exchange.status == 200 and exchange.status_line == b"HTTP/1.1 200 OK" and exchange.body == page(5)


def test_chunk_extensions_and_trailers_are_kept(server):
    body = page(6) * 3
    framed = chunked(body, trailers=b"Server-Timing: total;dur=12\r\nX-Checksum: abc\r\n").replace(
        b"\r\n", b";ext=1\r\n", 1)
    server.routes["/trailers"] = sends(response("200 OK", [*HTML, ("Transfer-Encoding", "chunked")],
                                                length=False) + framed)
    exchange, after = fetch_all([server.url("/trailers"), server.url("/page1")])
    assert exchange.body == body and exchange.truncated is None
    block = response_block(exchange)
    assert b"X-Archive-Orig-Trailer-Server-Timing: total;dur=12\r\n" in block
    assert b"X-Archive-Orig-Trailer-X-Checksum: abc\r\n" in block
    assert connections(server, "/page1") == connections(server, "/trailers")  # clean end: reused


def test_a_bad_chunk_is_a_framing_error_with_what_was_decoded(server):
    server.routes["/bad-chunk"] = sends(response("200 OK", [*HTML, ("Transfer-Encoding", "chunked")], length=False)
                                        + b"5\r\nhello\r\nzz\r\nmore\r\n", keep=False)
    (failed,) = fetch_all([server.url("/bad-chunk")])
    assert isinstance(failed, wire.FramingError)
    assert failed.exchange.truncated == "unspecified" and failed.exchange.body == b"hello"


def test_transfer_encoding_with_content_length_never_reuses_the_connection(server):
    body = page(2)
    server.routes["/both"] = sends(response("200 OK", [*HTML, ("Content-Length", "3"),
                                                       ("Transfer-Encoding", "chunked")], length=False)
                                   + chunked(body))
    exchange, after = fetch_all([server.url("/both"), server.url("/page1")])
    assert exchange.body == body
    assert after.body == page(1)
    assert connections(server, "/page1") != connections(server, "/both")


def test_a_cut_body_is_data_loss_with_what_arrived(server):
    server.routes["/cut"] = sends(response("200 OK", [*HTML, ("Content-Length", "5000")], b"<html>cut",
                                           length=False), keep=False)
    (failed,) = fetch_all([server.url("/cut")])
    assert isinstance(failed, wire.DataLoss)
    assert failed.exchange.truncated == "disconnect" and failed.exchange.body == b"<html>cut"

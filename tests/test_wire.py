"""The raw HTTP client against a real local server."""

from __future__ import annotations

import asyncio
import gzip
import socket

import pytest

from crawler.capture import wire
from pipelines.storage.blocks import request_block, response_block

UA = [(b"User-Agent", b"test-agent"), (b"Accept-Encoding", b"gzip")]


def fetch(url: str, **kwargs) -> wire.RawExchange:
    async def go():
        client = wire.HttpClient()
        try:
            return await client.fetch("GET", url, UA, **kwargs)
        finally:
            await client.close()

    return asyncio.run(go())


def split_block(block: bytes) -> tuple[list[bytes], bytes]:
    head, _, body = block.partition(b"\r\n\r\n")
    return head.split(b"\r\n"), body


def test_plain_response_is_kept_as_sent(site):
    ex = fetch(site.url("/news/plain"))
    lines, body = split_block(response_block(ex))
    assert lines[0] == b"HTTP/1.1 200 OK"
    assert body == site.routes["/news/plain"].body
    assert f"Content-Length: {len(body)}".encode() in lines
    assert ex.ip_address == "127.0.0.1"


def test_gzip_body_is_stored_compressed_with_its_header(site):
    ex = fetch(site.url("/news/gzip"))
    lines, body = split_block(response_block(ex))
    assert b"Content-Encoding: gzip" in lines
    assert body == site.routes["/news/gzip"].body
    assert gzip.decompress(body).startswith(b"<!DOCTYPE html>")


def test_chunked_body_is_dechunked_and_headers_describe_it(site):
    ex = fetch(site.url("/news/gzip-chunked"))
    lines, body = split_block(response_block(ex))
    assert body == site.routes["/news/gzip-chunked"].body  # de-chunked, still gzip
    assert b"Transfer-Encoding: chunked" not in lines
    assert b"X-Archive-Orig-Transfer-Encoding: chunked" in lines
    assert f"Content-Length: {len(body)}".encode() in lines
    assert b"Content-Encoding: gzip" in lines


def test_repeated_headers_and_odd_values_are_kept_verbatim(site):
    ex = fetch(site.url("/news/cookies"))
    lines, _ = split_block(response_block(ex))
    assert lines.count(b"Set-Cookie: a=1; Path=/") == 1
    assert lines.count(b"Set-Cookie: b=2; Path=/") == 1
    assert b"X-Odd:   spaced   value " in lines


def test_request_head_is_what_was_sent(site):
    ex = fetch(site.url("/news/plain?page=2&x=%20y"))
    seen = [r for r in site.requests if r.path == "/news/plain?page=2&x=%20y"][-1]
    lines, _ = split_block(request_block(ex.request_head, ex.request_body))
    assert lines[0].decode() == seen.request_line == "GET /news/plain?page=2&x=%20y HTTP/1.1"
    assert lines[1] == f"Host: 127.0.0.1:{site.port}".encode()
    assert (b"User-Agent: test-agent") in lines
    assert ("User-Agent", "test-agent") in seen.headers


def test_body_framed_by_close(site):
    ex = fetch(site.url("/until-close"))
    lines, body = split_block(response_block(ex))
    assert lines[0] == b"HTTP/1.0 200 OK"
    assert body == b"framed by the connection closing"
    assert f"Content-Length: {len(body)}".encode() in lines


def test_short_body_is_data_loss_with_what_arrived(site):
    with pytest.raises(wire.DataLoss) as caught:
        fetch(site.url("/short-body"))
    ex = caught.value.exchange
    assert ex.truncated == "disconnect"
    assert ex.body == b"<html><body>cut"
    block = response_block(ex)
    assert b"X-Archive-Orig-Content-Length: 5000\r\n" in block  # the server's claim, kept
    assert b"\r\nContent-Length: 15\r\n" in block  # what is stored


def test_body_over_maxsize_is_cut_and_marked(site):
    with pytest.raises(wire.BodyTooLarge) as caught:
        fetch(site.url("/big"), maxsize=10_000)
    assert caught.value.exchange.truncated == "length"


def test_timeout(site):
    with pytest.raises(wire.ExchangeTimeout):
        fetch(site.url("/hang"), timeout=0.5)


def test_connection_refused():
    with socket.socket() as sock:  # a port that nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(wire.ConnectFailed):
        fetch(f"http://127.0.0.1:{port}/")


def test_keep_alive_connection_is_reused(site):
    async def go():
        client = wire.HttpClient()
        try:
            first = await client.fetch("GET", site.url("/news/plain"), UA)
            second = await client.fetch("GET", site.url("/news/chunked"), UA)
            idle = sum(len(conns) for conns in client._idle.values())
            return first, second, idle
        finally:
            await client.close()

    first, second, idle = asyncio.run(go())
    assert first.status == second.status == 200
    assert idle == 1  # both exchanges went over one connection

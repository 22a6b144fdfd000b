"""The WARC writer, with pinned record IDs and dates so bytes can be compared exactly."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import itertools
import zlib

import pytest
from warcio.archiveiterator import ArchiveIterator

from pipelines.storage.warc import WarcFileWriter

WHEN = dt.datetime(2024, 2, 4, 9, 30, 1, 500000, tzinfo=dt.UTC)
REQUEST = b"GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\n\r\n"
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"

EXPECTED_RESPONSE_RECORD = (
    b"WARC/1.1\r\n"
    b"WARC-Type: response\r\n"
    b"WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000001>\r\n"
    b"WARC-Date: 2024-02-04T09:30:01.500000Z\r\n"
    b"WARC-Target-URI: http://example.com/a?b=1\r\n"
    b"WARC-IP-Address: 127.0.0.1\r\n"
    b"WARC-Concurrent-To: <urn:uuid:00000000-0000-0000-0000-000000000002>\r\n"
    b"WARC-Block-Digest: sha1:EIXNIFVWRF6HI2HGZIS7J43FJMLM4H6K\r\n"
    b"WARC-Payload-Digest: sha1:VL2MMHO4YXUKFWV63YHTWSBM3GXKSQ2N\r\n"
    b"Content-Type: application/http;msgtype=response\r\n"
    b"Content-Length: 43\r\n"
    b"\r\n"
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
    b"\r\n\r\n"
)


def sha1_b32(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def pinned_writer(directory, **kwargs) -> WarcFileWriter:
    ids = (f"<urn:uuid:00000000-0000-0000-0000-{i:012d}>" for i in itertools.count(1))
    return WarcFileWriter(
        directory, prefix="TEST", hostname="host", pid=42,
        clock=lambda: dt.datetime(2024, 2, 4, 9, 30, 0, tzinfo=dt.UTC),
        make_id=lambda: next(ids), warcinfo={"software": "test/1"}, **kwargs,
    )


def gzip_members(data: bytes) -> list[bytes]:
    members = []
    while data:
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        members.append(inflater.decompress(data))
        data = inflater.unused_data
    return members


def test_response_record_bytes_are_exact(tmp_path):
    writer = pinned_writer(tmp_path)
    response, request = writer.write_exchange(
        "http://example.com/a?b=1", request_block=REQUEST, response_block=RESPONSE,
        when=WHEN, ip_address="127.0.0.1")
    writer.close()
    data = (tmp_path / response.filename).read_bytes()
    member = data[response.offset:response.offset + response.length]
    assert gzip.decompress(member) == EXPECTED_RESPONSE_RECORD
    # the digests in the literal are the real ones
    assert sha1_b32(RESPONSE) == "sha1:EIXNIFVWRF6HI2HGZIS7J43FJMLM4H6K"
    assert sha1_b32(b"hello") == "sha1:VL2MMHO4YXUKFWV63YHTWSBM3GXKSQ2N"
    assert request.offset == response.offset + response.length


def test_file_layout_one_gzip_member_per_record_warcinfo_first(tmp_path):
    writer = pinned_writer(tmp_path)
    writer.write_exchange("http://example.com/a?b=1", request_block=REQUEST, response_block=RESPONSE,
                          when=WHEN, ip_address="127.0.0.1")
    writer.close()
    (path,) = tmp_path.iterdir()
    assert path.name == "TEST-20240204093000-00001-host-42.warc.gz"
    members = gzip_members(path.read_bytes())
    assert [m.split(b"\r\n")[1] for m in members] == [
        b"WARC-Type: warcinfo", b"WARC-Type: response", b"WARC-Type: request"]
    assert b"WARC-Filename: TEST-20240204093000-00001-host-42.warc.gz\r\n" in members[0]
    assert b"\r\nsoftware: test/1\r\n" in members[0]


def test_request_and_response_link_and_share_date(tmp_path):
    writer = pinned_writer(tmp_path)
    writer.write_exchange("http://example.com/a?b=1", request_block=REQUEST, response_block=RESPONSE,
                          when=WHEN, ip_address="127.0.0.1")
    writer.close()
    (path,) = tmp_path.iterdir()
    with path.open("rb") as stream:
        records = {r.rec_type: r.rec_headers for r in ArchiveIterator(stream, check_digests="raise")}
    resp, req = records["response"], records["request"]
    assert resp["WARC-Concurrent-To"] == req["WARC-Record-ID"]
    assert req["WARC-Concurrent-To"] == resp["WARC-Record-ID"]
    assert resp["WARC-Date"] == req["WARC-Date"] == "2024-02-04T09:30:01.500000Z"
    assert req["WARC-Block-Digest"] == sha1_b32(REQUEST)


def test_open_suffix_until_closed(tmp_path):
    writer = pinned_writer(tmp_path)
    writer.write_exchange("http://example.com/", request_block=REQUEST, response_block=RESPONSE, when=WHEN)
    assert [p.name for p in tmp_path.iterdir()] == ["TEST-20240204093000-00001-host-42.warc.gz.open"]
    writer.close()
    assert [p.name for p in tmp_path.iterdir()] == ["TEST-20240204093000-00001-host-42.warc.gz"]


def test_rotation_keeps_pairs_together_and_starts_with_warcinfo(tmp_path):
    writer = pinned_writer(tmp_path, max_size=600)
    for i in range(4):
        writer.write_exchange(f"http://example.com/{i}", request_block=REQUEST,
                              response_block=RESPONSE, when=WHEN)
    writer.close()
    files = sorted(tmp_path.iterdir())
    assert len(files) > 1
    assert [f.name.split("-")[2] for f in files] == [f"{i:05d}" for i in range(1, len(files) + 1)]
    for path in files:
        with path.open("rb") as stream:
            types = [r.rec_type for r in ArchiveIterator(stream, check_digests="raise")]
        assert types[0] == "warcinfo"
        assert types[1:] == ["response", "request"] * ((len(types) - 1) // 2)


def test_conversion_record_refers_to_response(tmp_path):
    writer = pinned_writer(tmp_path)
    response, _ = writer.write_exchange("http://example.com/", request_block=REQUEST,
                                        response_block=RESPONSE, when=WHEN)
    text = "Заголовок\n\nТекст.\n".encode()
    conversion = writer.write_conversion("http://example.com/", text, refers_to=response.record_id, when=WHEN)
    writer.close()
    with (tmp_path / conversion.filename).open("rb") as stream:
        stream.seek(conversion.offset)
        record = next(iter(ArchiveIterator(stream, check_digests="raise")))
        assert record.rec_type == "conversion"
        assert record.rec_headers["WARC-Refers-To"] == response.record_id
        assert record.rec_headers["Content-Type"] == "text/plain; charset=utf-8"
        assert record.content_stream().read() == text


def test_never_clobbers_an_existing_file(tmp_path):
    taken = tmp_path / "TEST-20240204093000-00001-host-42.warc.gz.open"
    taken.write_bytes(b"someone else's")
    writer = pinned_writer(tmp_path)
    location, _ = writer.write_exchange("http://example.com/", request_block=REQUEST,
                                        response_block=RESPONSE, when=WHEN)
    writer.close()
    assert location.filename == "TEST-20240204093000-00002-host-42.warc.gz"
    assert taken.read_bytes() == b"someone else's"


@pytest.mark.parametrize("level", [1, 9])
def test_gzip_level_is_applied(tmp_path, level):
    writer = pinned_writer(tmp_path, gzip_level=level)
    body = RESPONSE + b"abc " * 5000
    location, _ = writer.write_exchange("http://example.com/", request_block=REQUEST,
                                        response_block=body, when=WHEN)
    writer.close()
    member = (tmp_path / location.filename).read_bytes()[location.offset:][:location.length]
    assert member[8] == (4 if level == 1 else 2)  # gzip XFL: 4 fastest, 2 best

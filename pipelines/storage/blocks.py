"""The HTTP blocks of WARC records: what is stored of an exchange (no Scrapy imports).

A response block is the status line and header lines exactly as received over the
body as stored (transfer coding removed, content codings kept). Where the stored
body differs from the message body (de-chunked, cut short), the framing header
lines are kept under ``X-Archive-Orig-`` and a ``Content-Length`` for the stored
body is added, so stored headers always describe the stored body.
"""

from __future__ import annotations

from typing import Protocol

# Header lines the stored block changes are kept under this prefix (pywb's convention).
ORIG_HEADER_PREFIX = b"X-Archive-Orig-"


def http_payload(block: bytes) -> bytes:
    """The entity body of an HTTP message block (what follows the blank line)."""
    head_end = block.find(b"\r\n\r\n")
    return b"" if head_end < 0 else block[head_end + 4 :]


def http_head(block: bytes) -> bytes:
    """Status line and headers of an HTTP message block, with the blank line."""
    head_end = block.find(b"\r\n\r\n")
    return block if head_end < 0 else block[: head_end + 4]


class HttpResponse(Protocol):
    """What a response record is built from (the capture layer's exchange)."""

    status_line: bytes
    header_lines: list[bytes]  # as received, without line ends
    body: bytes  # transfer-decoded, content codings kept
    has_body: bool  # False for HEAD, 1xx, 204, 304: a Content-Length there describes no body
    dechunked: bool
    trailer_lines: list[bytes]
    truncated: str | None


def _field_name(line: bytes) -> bytes:
    return line.partition(b":")[0].strip().lower()


def response_block(response: HttpResponse) -> bytes:
    """Status line and header lines as received, over the stored body.

    The stored body is de-chunked, so ``Transfer-Encoding`` no longer describes
    it: it is kept as ``X-Archive-Orig-Transfer-Encoding``. A ``Content-Length``
    is kept only when it is one plain number equal to the stored body's length;
    otherwise (chunked, cut short, listed as ``N, N``, repeated or conflicting)
    every such line is kept under the prefix and one for the stored body is
    added, as also for bodies framed by the connection closing. Stored headers
    therefore always describe the stored body, and replay tools never wait for
    bytes that never came. Chunked trailer fields follow as
    ``X-Archive-Orig-Trailer-NAME``.
    """
    body = response.body
    lengths = [line for line in response.header_lines if _field_name(line) == b"content-length"]
    exact = (len(lengths) == 1 and lengths[0].partition(b":")[2].strip() == str(len(body)).encode()
             and not response.truncated and not response.dechunked)
    keep_lengths = exact or not response.has_body
    lines = []
    for line in response.header_lines:
        name = _field_name(line)
        if response.has_body and (name == b"transfer-encoding" or (name == b"content-length" and not keep_lengths)):
            line = ORIG_HEADER_PREFIX + line.lstrip()
        lines.append(line)
    lines += [ORIG_HEADER_PREFIX + b"Trailer-" + line.lstrip() for line in response.trailer_lines]
    if response.has_body and not exact and (body or response.truncated or lengths or response.dechunked):
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join([response.status_line, *lines]) + b"\r\n\r\n" + body


NOT_MODIFIED_PREFIX = b"X-Archive-Not-Modified"


def not_modified_block(confirmed_head: bytes, response_304: bytes) -> bytes:
    """The block of a server-not-modified revisit: the HTTP head of the capture the 304
    confirms (status line and header lines as archived then), followed by the 304's own
    status line as ``X-Archive-Not-Modified: HTTP/1.1 304 Not Modified`` and each of its
    header lines, byte for byte, as ``X-Archive-Not-Modified-NAME: value``.

    Replay tools take a revisit's status and headers from its block and its payload from
    the record referred to: a bare 304 head would replay as an empty 304 (pywb, and
    ReplayWeb.page from a WACZ), not as the page the server said is still current.
    Nothing the server sent is lost: the 304 is in the block, prefixed."""
    head = http_head(response_304)[:-4].split(b"\r\n")
    confirmed = confirmed_head[:-4] if confirmed_head.endswith(b"\r\n\r\n") else confirmed_head
    lines = [confirmed, NOT_MODIFIED_PREFIX + b": " + head[0]]
    lines += [NOT_MODIFIED_PREFIX + b"-" + line.lstrip() for line in head[1:] if line]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def request_block(head: bytes, body: bytes, omit_headers: tuple[bytes, ...] = ()) -> bytes:
    """The request as sent, without the header lines named in ``omit_headers``."""
    if omit_headers:
        wanted = {name.lower() for name in omit_headers}
        lines = head[:-4].split(b"\r\n")
        kept = [lines[0], *(ln for ln in lines[1:] if _field_name(ln) not in wanted)]
        head = b"\r\n".join(kept) + b"\r\n\r\n"
    return head + body

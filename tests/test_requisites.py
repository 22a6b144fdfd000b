"""Reading a page's requisites (crawler/discovery/requisites.py), and the WARC records
a 304 and WARC_VERSION=1.0 give (pipelines/storage/records.py)."""

from __future__ import annotations

import datetime as dt

from warcio.archiveiterator import ArchiveIterator

from crawler.discovery.requisites import css_requisites, page_requisites, srcset_urls
from pipelines.storage.blocks import not_modified_block
from pipelines.storage.records import NOT_MODIFIED, RevisitOf, WarcFormat, exchange_records

PAGE = b"""<!DOCTYPE html><html><head><base href="/section/">
<link rel="stylesheet" href="site.css"><link rel="icon" href="/favicon.ico">
<link rel="preload" as="font" href="https://cdn.example/f.woff2" crossorigin>
<meta property="og:image" content="https://cdn.example/og.jpg"><script src="app.js"></script>
<style>@import url("print.css") print; .hero { background: url('hero.jpg') }</style></head>
<body><a href="/other-article">not a requisite</a>
<img src="a.jpg" srcset="a-1.jpg 1x, a-2.jpg 2x, a-3.jpg 3x">
<img src="data:image/gif;base64,R0lGOD" data-src="lazy.jpg" data-srcset="lazy-1.jpg 100w, lazy-2.jpg 200w">
<picture><source srcset="p.avif" type="image/avif"><img src="p.jpg"></picture>
<video poster="poster.jpg"><source src="film.mp4"></video>
<div style="background-image: url(&quot;inline.png&quot;)"></div>
<iframe src="https://embed.example/widget"></iframe><script>var x = "url(not-css.png)";</script>
</body></html>"""


def kinds(found):
    return {r.url.replace("https://news.example/section/", ""): r.kind for r in found}


def test_every_kind_of_requisite_in_document_order_once():
    found = kinds(page_requisites(PAGE, "https://news.example/section/story"))
    assert found == {
        "site.css": "stylesheet", "https://news.example/favicon.ico": "icon",
        "https://cdn.example/f.woff2": "font", "https://cdn.example/og.jpg": "image", "app.js": "script",
        "print.css": "stylesheet", "hero.jpg": "image", "a.jpg": "image", "a-1.jpg": "image", "a-2.jpg": "image",
        "a-3.jpg": "image", "lazy.jpg": "image", "lazy-1.jpg": "image", "lazy-2.jpg": "image", "p.avif": "image",
        "p.jpg": "image", "poster.jpg": "image", "inline.png": "image", "https://embed.example/widget": "iframe",
    }  # no link, no data: URL, no media file, nothing from a script's text


def test_candidates_per_image_and_iframes_follow_the_settings():
    found = kinds(page_requisites(PAGE, "https://news.example/section/story", max_candidates=2, iframes=False))
    assert "a-1.jpg" in found and "a-2.jpg" not in found and "lazy-2.jpg" not in found
    assert "https://embed.example/widget" not in found


def test_srcset_candidates_are_split_as_html_does():
    assert srcset_urls("a.jpg 1x,b.jpg 2x, c,d.jpg 3x , e.jpg") == ["a.jpg", "b.jpg", "c,d.jpg", "e.jpg"]
    assert srcset_urls(" ") == [] and srcset_urls(None) == []


def test_a_stylesheet_imports_and_urls_parsed_as_css():
    css = b"""@charset "utf-8"; @import "base.css"; @import url(theme.css) screen;
    /* url(commented.png) */
    @font-face { font-family: X; src: url(fonts/x.woff2) format("woff2"), url("fonts/x.ttf"); }
    @media (min-width: 40em) { .a { background: url( wide.png ) } }
    .b { content: "url(string.png)"; background-image: image-set("b1.png" 1x, url(b2.png) 2x) }
    .c { background: url(data:image/png;base64,AAAA) }"""
    found = kinds(css_requisites(css, "https://news.example/section/s.css"))
    assert found == {"base.css": "stylesheet", "theme.css": "stylesheet", "fonts/x.woff2": "font",
                     "fonts/x.ttf": "font", "wide.png": "image", "b1.png": "image", "b2.png": "image"}


def test_not_html_gives_nothing():
    assert page_requisites(b"", "https://news.example/") == []
    assert page_requisites(b"\x00\x01binary", "https://news.example/") == []


def test_the_block_of_a_304_revisit_is_the_confirmed_head_and_the_304():
    confirmed = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\nETag: \"v1\"\r\n\r\n"
    block = not_modified_block(confirmed, b"HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nDate: Sun\r\n\r\n")
    assert block == (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\nETag: \"v1\"\r\n"
                     b"X-Archive-Not-Modified: HTTP/1.1 304 Not Modified\r\nX-Archive-Not-Modified-ETag: \"v1\"\r\n"
                     b"X-Archive-Not-Modified-Date: Sun\r\n\r\n")


def records_of(warc_format: WarcFormat, revisit_of: RevisitOf | None):
    import io

    prepared = exchange_records(
        "https://news.example/a", request_block=b"GET /a HTTP/1.1\r\nHost: news.example\r\n\r\n",
        response_block=b"HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\n",
        when=dt.datetime(2024, 2, 4, 9, 30, 1, 500000, tzinfo=dt.UTC), revisit_of=revisit_of, gzip_level=1,
        warc_format=warc_format)
    stream = io.BytesIO(b"".join(p.member for p in prepared))
    return [(r.rec_type, r.rec_headers, r.content_stream().read()) for r in ArchiveIterator(stream)]


ORIGINAL = RevisitOf("<urn:uuid:1>", "https://news.example/a", "2024-02-01T00:00:00Z", "sha1:AAAA",
                     profile=NOT_MODIFIED, confirmed_head=b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")


def test_a_304_revisit_names_the_capture_it_confirms():
    (kind, headers, block), (request_kind, _, _) = records_of(WarcFormat("1.1"), ORIGINAL)
    assert kind == "revisit" and request_kind == "request"
    assert headers["WARC-Profile"] == "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
    assert headers["WARC-Refers-To"] == "<urn:uuid:1>"
    assert headers["WARC-Refers-To-Target-URI"] == "https://news.example/a"
    assert headers["WARC-Refers-To-Date"] == "2024-02-01T00:00:00Z"
    assert headers["WARC-Payload-Digest"] == "sha1:AAAA" and headers.get("WARC-Truncated") is None
    assert headers["WARC-Date"] == "2024-02-04T09:30:01.500000Z"


def test_warc_1_0_has_its_profile_uris_and_dates_to_the_second():
    (kind, headers, _), (_, request, _) = records_of(WarcFormat.of("1.0"), ORIGINAL)
    assert headers.protocol == "WARC/1.0" and request.protocol == "WARC/1.0"
    assert headers["WARC-Profile"] == "http://netpreserve.org/warc/1.0/revisit/server-not-modified"
    assert headers["WARC-Date"] == request["WARC-Date"] == "2024-02-04T09:30:01Z"
    identical = RevisitOf("<urn:uuid:1>", "https://news.example/a", "2024-02-01T00:00:00Z", "sha1:AAAA")
    (_, headers, _), _ = records_of(WarcFormat.of("WARC/1.0"), identical)
    assert headers["WARC-Profile"] == "http://netpreserve.org/warc/1.0/revisit/identical-payload-digest"

"""crawler.discovery.sitemaps: sitemap parsing, its defences, robots.txt Sitemap lines, since-filtering."""

from __future__ import annotations

import datetime
import gzip
import tracemalloc
import zlib
from pathlib import Path

import pytest

from crawler.discovery.sitemaps import (
    Sitemap,
    SitemapEntry,
    SitemapError,
    declares_xml_entities,
    entry_is_since,
    parse_date,
    parse_sitemap,
    sitemaps_from_robots,
)

DATA = Path(__file__).parent / "discovery_data"

URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url>
    <loc>
      https://news.example.com/2024/01/05/first
    </loc>
    <lastmod> 2024-01-05T10:00:00+00:00 </lastmod>
    <image:image><image:loc>https://cdn.example.com/first.jpg</image:loc></image:image>
  </url>
  <url><loc>https://news.example.com/2024/01/06/second?a=1&amp;b=2</loc></url>
</urlset>"""


def locs(sitemap: Sitemap) -> list[str]:
    return [entry.loc for entry in sitemap.entries]


def test_urlset_with_namespace_strips_values_and_ignores_image_locs():
    sitemap = parse_sitemap(URLSET)
    assert sitemap.kind == "urlset"
    assert locs(sitemap) == ["https://news.example.com/2024/01/05/first",
                             "https://news.example.com/2024/01/06/second?a=1&b=2"]
    assert sitemap.entries[0].lastmod == "2024-01-05T10:00:00+00:00"
    assert sitemap.entries[1].lastmod is None


def test_urlset_without_namespace():
    sitemap = parse_sitemap(b"<urlset><url><loc>http://example.org/a</loc><lastmod>2023-12-31</lastmod></url>"
                            b"</urlset>")
    assert sitemap == Sitemap("urlset", (SitemapEntry("http://example.org/a", lastmod="2023-12-31"),))


def test_sitemap_index_lists_child_sitemaps():
    body = b"""<?xml version="1.0"?>
    <sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://example.com/sitemap-2024-01.xml.gz</loc><lastmod>2024-01-31</lastmod></sitemap>
      <sitemap><loc>https://example.com/sitemap-2024-02.xml</loc></sitemap>
    </sitemapindex>"""
    sitemap = parse_sitemap(body)
    assert sitemap.kind == "sitemapindex"
    assert sitemap.entries == (
        SitemapEntry("https://example.com/sitemap-2024-01.xml.gz", lastmod="2024-01-31"),
        SitemapEntry("https://example.com/sitemap-2024-02.xml"),
    )


def test_google_news_sitemap_keeps_title_date_language_and_publication():
    sitemap = parse_sitemap((DATA / "news_sitemap.xml").read_bytes())
    assert locs(sitemap) == ["https://www.example-news.com/2024/03/01/budget-vote",
                             "https://www.example-news.com/2024/02/28/river-flood"]
    first = sitemap.entries[0]
    assert first.news_title == "Parliament passes the budget & tax changes"
    assert first.news_publication_date == "2024-03-01T09:30:00+03:00"
    assert first.news_language == "ru"
    assert first.news_publication_name == "Example News"
    assert first.published_or_modified() == datetime.date(2024, 3, 1)
    assert sitemap.entries[1].news_title == "Flood warning on the river"


def test_relative_empty_and_non_http_locs_are_skipped():
    body = b"""<urlset>
      <url><loc>/relative/page</loc></url>
      <url><loc>   </loc></url>
      <url></url>
      <url><loc>ftp://example.com/file</loc></url>
      <url><loc>javascript:alert(1)</loc></url>
      <url><loc>https://example.com/kept</loc></url>
    </urlset>"""
    assert locs(parse_sitemap(body)) == ["https://example.com/kept"]


def test_bare_ampersand_in_loc_is_kept_not_dropped():
    sitemap = parse_sitemap(b"<urlset><url><loc>https://example.com/?id=1&page=2</loc></url></urlset>")
    assert locs(sitemap) == ["https://example.com/?id=1&page=2"]


def test_gzip_sitemap_is_detected_by_magic_bytes():
    sitemap = parse_sitemap(gzip.compress(URLSET))
    assert locs(sitemap) == locs(parse_sitemap(URLSET))
    assert len(sitemap.entries) == 2


def _gzip_of_zeros(size: int) -> bytes:
    """A gzip bomb, built without holding the decompressed bytes in memory."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip container
    chunk = b"\0" * (1024 * 1024)
    parts = [compressor.compress(chunk) for _ in range(size // len(chunk))]
    return b"".join(parts) + compressor.flush()


def test_gzip_bomb_is_refused_without_decompressing_it_all():
    bomb = _gzip_of_zeros(100 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(SitemapError, match="decompresses to more than 1048576 bytes"):
            parse_sitemap(bomb, max_size=1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024  # far below the 100 MB the bomb expands to


def test_gzip_within_the_limit_passes_and_size_limit_applies_to_plain_bodies():
    assert parse_sitemap(gzip.compress(URLSET), max_size=len(URLSET)).kind == "urlset"
    with pytest.raises(SitemapError, match="over the limit"):
        parse_sitemap(URLSET, max_size=len(URLSET) - 1)


def test_broken_gzip_is_a_sitemap_error():
    with pytest.raises(SitemapError, match="broken gzip"):
        parse_sitemap(gzip.compress(URLSET)[:40])


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<urlset><url><loc>https://example.com/&lol9;</loc></url></urlset>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<urlset><url><loc>https://example.com/&xxe;</loc><lastmod>&xxe;</lastmod></url></urlset>"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_documents_declaring_entities_are_refused(body):
    with pytest.raises(SitemapError, match="declares XML entities") as refused:
        parse_sitemap(body)
    assert "lollol" not in str(refused.value)
    assert "root:" not in str(refused.value)  # nothing from /etc/passwd


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_entity_declarations_are_found_in_utf16_and_gzip_too(body):
    wide = body.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="UTF-16"?>').decode().encode("utf-16")
    assert declares_xml_entities(wide)
    with pytest.raises(SitemapError, match="declares XML entities"):
        parse_sitemap(wide)
    with pytest.raises(SitemapError, match="declares XML entities"):
        parse_sitemap(gzip.compress(body))


def test_doctype_without_entities_is_accepted():
    body = b'<?xml version="1.0"?><!DOCTYPE urlset SYSTEM "http://example.com/x.dtd"><urlset>' \
           b"<url><loc>https://example.com/a</loc></url></urlset>"
    assert not declares_xml_entities(body)
    assert locs(parse_sitemap(body)) == ["https://example.com/a"]


def test_undeclared_entity_reference_does_not_leak_into_loc():
    body = b'<!DOCTYPE urlset SYSTEM "http://evil.example/x.dtd"><urlset>' \
           b"<url><loc>https://example.com/&ext;</loc></url><url><loc>https://example.com/b</loc></url></urlset>"
    assert locs(parse_sitemap(body)) == ["https://example.com/b"]


def test_plain_text_sitemap():
    body = b"\xef\xbb\xbfhttps://example.com/a\r\n\r\n  http://example.com/b  \nnot a url\n/relative\n"
    sitemap = parse_sitemap(body)
    assert sitemap.kind == "urlset"
    assert locs(sitemap) == ["https://example.com/a", "http://example.com/b"]


@pytest.mark.parametrize(("body", "message"), [
    (b"", "empty sitemap"),
    (b"  \n\t ", "empty sitemap"),
    (b"just some words\nand more", "neither an XML sitemap nor"),
    (b"<html><body><p>Not found</p></body></html>", r"root element is <html>"),
    (b"<rss version='2.0'><channel></channel></rss>", r"root element is <rss>"),
])
def test_not_a_sitemap(body, message):
    with pytest.raises(SitemapError, match=message):
        parse_sitemap(body)


def test_sitemaps_from_robots():
    robots = b"""\xef\xbb\xbfUser-agent: *
Disallow: /search
sitemap: https://example.com/sitemap_index.xml
  SITEMAP:https://example.com/news.xml   # trailing comment
Sitemap: /relative-sitemap.xml
Sitemap: ftp://example.com/sitemap.xml
Sitemap: https://example.com/sitemap_index.xml
Sitemap-Extra: https://example.com/not-a-sitemap-line.xml
# Sitemap: https://example.com/commented-out.xml
Sitemap: http://cdn.example.net/sitemap.xml.gz
"""
    assert sitemaps_from_robots(robots) == [
        "https://example.com/sitemap_index.xml",
        "https://example.com/news.xml",
        "http://cdn.example.net/sitemap.xml.gz",
    ]
    assert sitemaps_from_robots(b"User-agent: *\nDisallow:\n") == []


@pytest.mark.parametrize(("written", "expected"), [
    ("2024-01-05", datetime.date(2024, 1, 5)),
    ("2024-01-05T10:00:00Z", datetime.date(2024, 1, 5)),
    ("2024-01-05T10:00:00.123+02:00", datetime.date(2024, 1, 5)),
    ("2024-01-05T01:30:00+03:00", datetime.date(2024, 1, 4)),  # the UTC date
    ("2024-01-05T23:30-05:00", datetime.date(2024, 1, 6)),
    ("2024-01", datetime.date(2024, 1, 1)),
    ("2024", datetime.date(2024, 1, 1)),
    ("2024-01-05 garbage", datetime.date(2024, 1, 5)),
    ("Fri, 05 Jan 2024 10:00:00 GMT", datetime.date(2024, 1, 5)),
    ("yesterday", None),
    ("2024-13-45", None),
    ("123456", None),
])
def test_parse_date(written, expected):
    assert parse_date(written) == expected


def test_published_or_modified_prefers_the_news_date_and_falls_back_to_lastmod():
    both = SitemapEntry("https://e.com/a", lastmod="2024-02-01", news_publication_date="2024-01-15T08:00:00Z")
    assert both.published_or_modified() == datetime.date(2024, 1, 15)
    bad_news_date = SitemapEntry("https://e.com/a", lastmod="2024-02-01", news_publication_date="soon")
    assert bad_news_date.published_or_modified() == datetime.date(2024, 2, 1)
    assert SitemapEntry("https://e.com/a", lastmod="whenever").published_or_modified() is None


def test_since_filtering():
    body = b"""<urlset>
      <url><loc>https://e.com/old</loc><lastmod>2023-12-31T23:59:59Z</lastmod></url>
      <url><loc>https://e.com/on-the-day</loc><lastmod>2024-01-01</lastmod></url>
      <url><loc>https://e.com/new</loc><lastmod>2024-03-01T12:00:00+01:00</lastmod></url>
      <url><loc>https://e.com/undated</loc></url>
      <url><loc>https://e.com/unparseable</loc><lastmod>n/a</lastmod></url>
    </urlset>"""
    since = datetime.date(2024, 1, 1)
    kept = [entry.loc for entry in parse_sitemap(body).entries if entry_is_since(entry, since)]
    assert kept == ["https://e.com/on-the-day", "https://e.com/new", "https://e.com/undated",
                    "https://e.com/unparseable"]

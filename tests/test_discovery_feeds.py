"""crawler.discovery.feeds: feed sniffing, parsing with feedparser, and feed discovery in HTML pages."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import feedparser.http
import pytest

from crawler.discovery.feeds import FeedEntry, FeedError, discover_feeds, looks_like_feed, parse_feed

DATA = Path(__file__).parent / "discovery_data"

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Example News</title>
  <link>https://news.example.com/</link>
  <language>en-gb</language>
  <item>
    <title>  Budget passes  </title>
    <link> https://news.example.com/2024/01/05/budget </link>
    <pubDate>Fri, 05 Jan 2024 10:00:00 +0300</pubDate>
  </item>
  <item>
    <title>Relative link, German</title>
    <link>/2024/01/06/relative</link>
    <dc:language>de</dc:language>
  </item>
  <item><title>Permalink guid only</title><guid>https://news.example.com/2024/01/07/guid</guid></item>
  <item><title>No link at all</title><guid isPermaLink="false">id-123</guid></item>
  <item><title>Not http</title><link>mailto:editor@example.com</link></item>
  <item><title>Repeat</title><link>https://news.example.com/2024/01/05/budget</link></item>
</channel>
</rss>"""


def test_rss2_entries():
    entries = parse_feed(RSS, "https://news.example.com/rss")
    assert entries == [
        FeedEntry("https://news.example.com/2024/01/05/budget", "Budget passes", "2024-01-05T07:00:00+00:00", "en-gb"),
        FeedEntry("https://news.example.com/2024/01/06/relative", "Relative link, German", None, "de"),
        FeedEntry("https://news.example.com/2024/01/07/guid", "Permalink guid only", None, "en-gb"),
    ]


def test_atom_relative_links_resolved_against_the_feed_url_and_xml_base():
    entries = parse_feed((DATA / "atom.xml").read_bytes(), "https://blog.example.org/feeds/atom.xml")
    assert [entry.link for entry in entries] == [
        "https://blog.example.org/feeds/2024/post-one.html",
        "https://blog.example.org/2024/post-two",
        "https://blog.example.org/archive/post-three",
    ]
    assert entries[0].title == "Post one"
    assert entries[0].published == "2024-02-01T09:00:00+00:00"  # <updated> 12:00+03:00, in UTC
    assert entries[1].published == "2024-02-02T08:00:00+00:00"  # <published> is preferred to <updated>
    assert entries[0].language == "fr"  # the entry's xml:lang
    assert entries[1].language == "en"  # inherited from the feed


def test_rss1_rdf_feed():
    body = b"""<?xml version="1.0"?>
    <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
      <channel rdf:about="https://rdf.example.com/"><title>RDF</title><link>https://rdf.example.com/</link></channel>
      <item rdf:about="https://rdf.example.com/a"><title>A</title><link>https://rdf.example.com/a</link></item>
    </rdf:RDF>"""
    assert [entry.link for entry in parse_feed(body, "https://rdf.example.com/rss")] == ["https://rdf.example.com/a"]


def test_empty_feed_is_a_feed_with_no_entries():
    assert parse_feed(b'<rss version="2.0"><channel><title>x</title></channel></rss>', "https://e.com/rss") == []


@pytest.mark.parametrize("body", [
    b"<html><head><title>Home</title></head><body><p>Welcome</p></body></html>",
    b"just text",
    b"",
    b'{"version": "https://jsonfeed.org/version/1.1", "items": []}',
])
def test_non_feed_raises_feed_error(body):
    with pytest.raises(FeedError, match="not a feed"):
        parse_feed(body, "https://example.com/")


def test_feed_declaring_an_external_entity_is_refused_and_nothing_is_read():
    body = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><item><title>&xxe;</title><link>https://e.com/a</link></item></channel></rss>"""
    with pytest.raises(FeedError, match="declares XML entities") as refused:
        parse_feed(body, "https://e.com/rss")
    assert "root:" not in str(refused.value)


def test_feed_with_billion_laughs_is_refused():
    body = b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>' \
           b"<rss version='2.0'><channel><item><title>&b;</title><link>https://e.com/a</link></item></channel></rss>"
    with pytest.raises(FeedError, match="declares XML entities"):
        parse_feed(body, "https://e.com/rss")


def test_feedparser_is_never_given_a_url_or_file_name(monkeypatch, tmp_path):
    def no_network(*args, **kwargs):
        raise AssertionError("feedparser tried to fetch a URL")

    monkeypatch.setattr(feedparser.http, "get", no_network)
    with pytest.raises(FeedError):
        parse_feed(b"https://attacker.example/feed.xml", "https://e.com/")
    local_feed = tmp_path / "local.xml"
    local_feed.write_bytes(RSS)
    with pytest.raises(FeedError):  # a body that happens to be a file name is not opened
        parse_feed(str(local_feed).encode(), "https://e.com/")


def test_external_dtd_is_not_fetched(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("something tried to fetch the DTD")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    monkeypatch.setattr(feedparser.http, "get", no_network)
    body = b'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "http://dtd.example.com/rss-2.0.dtd">\n' \
           b'<rss version="2.0"><channel><item><link>https://e.com/a</link></item></channel></rss>'
    assert [entry.link for entry in parse_feed(body, "https://e.com/rss")] == ["https://e.com/a"]


def test_oversized_feed_is_refused():
    with pytest.raises(FeedError, match="over the limit"):
        parse_feed(RSS, "https://e.com/rss", max_size=100)


@pytest.mark.parametrize(("body", "content_type", "expected"), [
    (RSS, "", True),
    (b"", "application/rss+xml; charset=utf-8", True),
    (b"", "application/atom+xml", True),
    (b"", "Application/RDF+XML", True),
    (b"\xef\xbb\xbf<?xml version='1.0'?>\n<!-- generated -->\n<?xml-stylesheet href='s.xsl'?>\n<feed xmlns='x'>",
     "text/xml", True),
    (b'<!DOCTYPE rss PUBLIC "-//Netscape//DTD RSS 0.91//EN" "http://x/rss.dtd">\n<rss version="0.91">', "", True),
    (b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">', "", True),
    ('<?xml version="1.0" encoding="UTF-16"?><rss version="2.0">'.encode("utf-16"), "", True),
    (b"<!DOCTYPE html><html><head></head></html>", "text/html", False),
    (b"<feeds><x/></feeds>", "application/xml", False),
    (b"<urlset></urlset>", "text/xml", False),
    (b"<!-- unterminated comment <rss>", "", False),
    (b"plain text <rss>", "text/plain", False),
    (b"", "", False),
])
def test_looks_like_feed(body, content_type, expected):
    assert looks_like_feed(body, content_type) is expected


def test_discover_feeds_in_a_page_with_two_alternate_feeds():
    html = (DATA / "page_with_feeds.html").read_bytes()
    assert discover_feeds(html, "https://www.example.com/world/") == [
        "https://www.example.com/world/rss",
        "https://feeds.example.com/world.atom",
    ]


def test_discover_feeds_honours_base_href_and_ignores_other_links():
    html = b"""<html><head><base href="https://static.example.com/sub/">
    <link rel="alternate stylesheet" type="text/css" href="alt.css">
    <link rel="alternate" type="application/rss+xml" href="feed.xml">
    <link rel="alternate" type="application/rdf+xml" href="javascript:alert(1)">
    <link rel="alternate" hreflang="de" href="https://example.de/">
    </head><body></body></html>"""
    assert discover_feeds(html, "https://www.example.com/page") == ["https://static.example.com/sub/feed.xml"]


@pytest.mark.parametrize("html", [b"", b"<html><body><p>no head links</p></body></html>", b"\x00\x01binary"])
def test_discover_feeds_finds_nothing(html):
    assert discover_feeds(html, "https://www.example.com/") == []

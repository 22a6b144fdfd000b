"""Telling walls from articles (pipelines/extraction/walls.py): bot challenges, consent-only pages,
paywall stubs, and the pages that look a little like them but are articles."""

from __future__ import annotations

import pytest

from pipelines.extraction import walls
from pipelines.extraction.extract import extract_article
from pipelines.storage.catalog import Catalog
from tests.localsite import PARAGRAPHS, article_html
from tests.wallpages import page, stub_html, with_json_ld


@pytest.mark.parametrize("status, headers, name", [
    (403, {"cf-mitigated": "challenge", "server": "cloudflare"}, "cloudflare_challenge.html"),
    (503, {"server": "cloudflare"}, "cloudflare_challenge.html"),  # without the header: its markup
    (403, {"server": "AkamaiGHost"}, "akamai_denied.html"),
    (403, {"x-datadome": "protected"}, "datadome_captcha.html"),
    (403, {}, "perimeterx_block.html"),
])
def test_bot_challenges_are_recognised(status, headers, name):
    assert walls.challenge(status, headers, page(name))


def test_the_cloudflare_header_alone_is_a_challenge():
    assert walls.challenge(403, {"cf-mitigated": "challenge"}, b"") == "cf-mitigated: challenge"


def test_a_challenge_served_as_200_is_told_by_its_markup_once_no_article_came():
    html = page("cloudflare_challenge.html")
    assert walls.challenge(200, {}, html) is None  # not searched before extraction: most 200s are articles
    article = extract_article(html, "https://news.example.com/story")
    assert article is None or len(article.text) < 200
    assert "challenge-platform" in walls.challenge_markup(html)
    assert walls.challenge_markup(article_html("Cloudflare's challenge platform explained").encode()) is None


@pytest.mark.parametrize("status, body", [
    # an article *about* bot walls, at 200: titles and phrases count on error statuses only
    (200, article_html("Just a moment: how Cloudflare decides who is a bot").replace(
        "<p>", "<p>Pages say Checking your browser before accessing the site and Access Denied. ", 1)),
    (403, "<html><head><title>Forbidden</title></head><body>You may not see this folder.</body></html>"),
    (200, article_html("Icebreaker to keep northern lane open")),
])
def test_pages_that_are_not_challenges(status, body):
    assert walls.challenge(status, {"server": "cloudflare"}, body.encode()) is None


def test_a_consent_only_page_is_recognised_with_or_without_extracted_text():
    html = page("yahoo_consent.html")
    article = extract_article(html, "https://consent.yahoo.com/v2/collectConsent?sessionId=1")
    text = article.text if article else ""
    assert walls.is_consent_only(html, text, short=len(text) < 200)
    assert walls.is_consent_only(html, "", short=True)


def test_an_article_with_a_consent_banner_is_not_a_consent_page():
    html = article_html("Icebreaker to keep northern lane open").replace(
        "<body>", '<body><div id="onetrust-consent-sdk"><p>We use cookies. Accept all</p></div>', 1)
    article = extract_article(html.encode(), "https://news.example.com/story")
    assert article and len(article.text) > 200
    assert not walls.is_consent_only(html.encode(), article.text, short=False)


def test_a_paywall_stub_is_much_shorter_than_its_metadata_claims():
    html = stub_html(wordCount=900, isAccessibleForFree=False)
    text = extract_article(html.encode(), "https://news.example.com/deal").text
    assert len(text) > 200  # long enough to pass for an article otherwise
    claims = walls.claims(html.encode())
    assert claims == walls.Claims(word_count=900, free=False)
    assert "900" in walls.paywall(claims, text)


def test_not_free_and_short_is_a_paywall_stub_even_without_a_length():
    html = stub_html(isAccessibleForFree="False")
    text = extract_article(html.encode(), "https://news.example.com/deal").text
    assert walls.paywall(walls.claims(html.encode()), text, min_words=150)


def test_an_article_body_in_json_ld_gives_the_length_it_claims():
    full = " ".join(PARAGRAPHS * 4)
    claims = walls.claims(stub_html(articleBody=full).encode())
    assert claims.word_count == len(full.split())


def test_the_whole_article_is_no_paywall_even_when_marked_not_free():
    """Logged in (cookies): the page still says isAccessibleForFree=false, but the text is all there."""
    html = with_json_ld(article_html("Harbour deal signed", PARAGRAPHS * 2), wordCount=360, isAccessibleForFree=False)
    text = extract_article(html.encode(), "https://news.example.com/deal").text
    assert len(text.split()) >= 300
    assert walls.paywall(walls.claims(html.encode()), text) is None


def test_claims_in_utf8_are_counted_as_words_not_bytes():
    body = " ".join(["Мост через реку Онегу откроют весной"] * 40)  # 240 words; UTF-8 bytes hold 0x85 and 0xA0
    claims = walls.claims(stub_html(articleBody=body).encode("utf-8"))
    assert claims.word_count == 240


def test_a_blocked_capture_is_not_the_urls_last_capture(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite")
    url = "https://news.example.com/deal"
    base = {"url": url, "status": 200, "record_type": "response", "warc_file": "f.warc.gz", "warc_offset": 0,
            "truncated": None, "conditional": 0}
    catalog.add_capture({**base, "record_id": "<urn:uuid:old>", "fetched_at": "2024-01-01T00:00:00Z",
                         "etag": '"full"'})
    catalog.add_capture({**base, "record_id": "<urn:uuid:wall>", "fetched_at": "2024-02-01T00:00:00Z",
                         "etag": '"stub"'})
    assert catalog.last_capture(url)["record_id"] == "<urn:uuid:wall>"
    catalog.mark_blocked({"record_id": "<urn:uuid:wall>", "url": url, "reason": "paywall", "detail": "stub",
                          "run_id": "R", "detected_at": "2024-02-01T00:00:01Z"})
    assert catalog.last_capture(url)["record_id"] == "<urn:uuid:old>"
    assert catalog.last_ok_capture(url)["etag"] == '"full"'  # never the stub's validators
    assert [row["reason"] for row in catalog.blocked_captures()] == ["paywall"]
    catalog.close()

"""Pages that stand between the crawler and the article (no Scrapy): bot challenges, pages
that are only a cookie-consent form, and paywall stubs.

- ``challenge(status, headers, body)``: decided before extraction, from what the server sent.
  Cloudflare (``cf-mitigated: challenge``, "Just a moment…", ``/cdn-cgi/challenge-platform/``),
  and the interstitials of the common bot managers, usually on a 401, 403, 429 or 503: Akamai Bot
  Manager, PerimeterX/HUMAN, DataDome, Imperva/Incapsula, Sucuri, AWS WAF, Kasada, and generic
  "verify you are human" pages. On a 2xx only the unambiguous signals count — the header, or
  (``challenge_markup``, once the text proved too short for an article) the challenge
  platform's own markup — so an article *about* Cloudflare is not a challenge.
- ``is_consent_only(html, text, short=…)``: the page's text is short and about cookies and
  consent, or too short for an article beside a consent manager's markup (a consent.* host,
  OneTrust, Didomi, Sourcepoint…): there is no article behind it yet.
- ``paywall(claims, text, …)``: the text is much shorter than the page's own metadata says
  the article is (JSON-LD ``wordCount`` or ``articleBody``), or the page says it is not free
  (``isAccessibleForFree: false``, ``article:content_tier`` locked/metered) and the text is short.

A wall is archived like any page (the capture stays in the WARC) but makes no article row,
and the capture does not count as archived: the URL is fetched again next run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

CHALLENGE = "challenge"
CONSENT = "consent"
PAYWALL = "paywall"

_SNIFF = 262_144  # challenge pages are small; look at the start of larger bodies only
_MIN_CLAIMED_WORDS = 100  # below this a claimed length says too little to judge a stub by

# Markers are matched as lower-case literals in the lower-cased start of the page (a literal
# search costs microseconds where an alternation of case-insensitive regexes costs a millisecond
# per page, in the reactor thread).
# Signals that only a challenge page carries, on any status.
_STRONG = (
    "/cdn-cgi/challenge-platform/", "window._cf_chl_opt", "cf-browser-verification",  # Cloudflare
    "captcha-delivery.com",  # DataDome
    "_incapsula_resource", "incapsula incident id",  # Imperva
    "captcha.px-cdn.net", "px-captcha", "window._pxappid",  # PerimeterX / HUMAN
    ".token.awswaf.com", "awswafintegration",  # AWS WAF
    "ips.js?kp_uidz", "kpsdk.configure",  # Kasada
)
# Titles and phrases of interstitials: trusted on an error status (401, 403, 429, 503) only.
_TITLE = re.compile(r"<title[^>]*>\s*([^<]{0,200}?)\s*</title>", re.I | re.S)
_CHALLENGE_TITLES = (
    "just a moment", "attention required", "one more step", "access denied", "access to this page has been denied",
    "are you a robot", "please verify you are a human", "please verify you are human", "security check",
    "pardon our interruption", "sucuri website firewall", "robot or human", "checking your browser", "ddos-guard",
)
_CHALLENGE_PHRASES = (
    "checking if the site connection is secure", "checking your browser before accessing",
    "enable javascript and cookies to continue", "verify you are human", "verify you are a human",
    "verify that you are human", "press &amp; hold", "press & hold", "errors.edgesuite.net",
    "errors&#46;edgesuite&#46;net", "reference&#32;&#35;", "you don't have permission to access",
    "request unsuccessful. incapsula", "sucuri-firewall", "access denied - sucuri",
)
_CHALLENGE_HEADERS = {  # sent only with a challenge
    "cf-mitigated": re.compile(r"challenge", re.I),
    "x-amzn-waf-action": re.compile(r"challenge|captcha", re.I),
}
_BLOCK_HEADERS = {  # the bot manager's mark: a challenge when the status says the page was refused
    "x-datadome": re.compile(r"protected", re.I),
    "x-sucuri-block": re.compile(r"."),
    "x-kpsdk-ct": re.compile(r"."),
}
_ERROR_STATUSES = (401, 403, 429, 503)

_CONSENT_WORDS = re.compile(
    r"\b(cookies?|consent|privacy (settings|policy|preferences)|accept( all)?|reject( all)?|agree|"
    r"manage (options|preferences|settings|privacy settings)|legitimate interest|(our )?partners|"
    r"personali[sz]ed (ads|advertising|content)|vendors?|tcf|iab|before you continue)\b",
    re.I,
)
_CONSENT_MARKUP = (  # consent managers' pages and hosts (lower case)
    "consent.yahoo.com", "consent.google.com", "consent.youtube.com", "collectconsent", "guce.yahoo.com",
    "sp_message_container", "sourcepoint", "didomi-notice", "didomi-popup", "didomi-host", "onetrust-consent-sdk",
    "qc-cmp2", "cmpbox", "truste-consent", "usercentrics", "cookiebot", "quantcast choice", "fc-consent-root",
)
_CONSENT_MAX_WORDS = 400  # a consent form with its vendor list can be long; an article behind it is not there

_LD_JSON = re.compile(r"<script[^>]+type\s*=\s*[\"']?application/ld\+json[\"']?[^>]*>(.*?)</script>", re.I | re.S)
_CONTENT_TIER = re.compile(
    r"<meta\b(?=[^>]*\bproperty\s*=\s*[\"']article:content_tier[\"'])[^>]*\bcontent\s*=\s*[\"']\s*(\w+)", re.I)


def _text(body: bytes | str, limit: int = _SNIFF) -> str:
    return body[:limit] if isinstance(body, str) else body[:limit].decode("latin-1")


def _lower_start(body: bytes | str) -> str:
    return _text(body).lower()


def _first(markers: tuple[str, ...], page: str) -> str | None:
    return next((marker for marker in markers if marker in page), None)


def challenge(status: int, headers: Mapping[str, str], body: bytes | str) -> str | None:
    """Why this response is a bot challenge (a short description), or None. Before extraction: the
    headers, and on an error status the page. A 2xx page is looked at only when its text turns out
    too short for an article (``challenge_markup``): that keeps the search off every article page."""
    for name, pattern in _CHALLENGE_HEADERS.items():
        value = headers.get(name)
        if value and pattern.search(value):
            return f"{name}: {value}"
    if status not in _ERROR_STATUSES:
        return None
    page = _lower_start(body)
    strong = _first(_STRONG, page)
    if strong:
        return f"HTTP {status}, challenge markup {strong!r}"
    for name, pattern in _BLOCK_HEADERS.items():
        value = headers.get(name)
        if value and pattern.search(value):
            return f"HTTP {status}, {name}: {value}"
    title = _TITLE.search(page)
    if title and title.group(1).strip().startswith(_CHALLENGE_TITLES):
        return f"HTTP {status}, title {title.group(1).strip()!r}"
    phrase = _first(_CHALLENGE_PHRASES, page)
    if phrase:
        return f"HTTP {status}, {phrase!r}"
    return None


def challenge_markup(body: bytes | str) -> str | None:
    """A challenge platform's own markup on a page without an article (a challenge served as 200)."""
    strong = _first(_STRONG, _lower_start(body))
    return f"challenge markup {strong!r}" if strong else None


def is_consent_only(html: bytes | str, text: str | None, *, short: bool) -> bool:
    """The page holds a cookie-consent form and (almost) nothing else. ``short``: its text is too
    short to be an article; only then does a consent manager's markup alone decide (most news
    pages carry one beside the article)."""
    words = (text or "").split()
    if len(words) > _CONSENT_MAX_WORDS:
        return False
    consent_words = len(_CONSENT_WORDS.findall(text)) if words else 0
    if words and consent_words >= 3 and consent_words * 12 >= len(words):  # about consent, not a short story
        return True
    if short or consent_words >= 5:  # too short for an article, or all about cookies: whose page is it?
        return _consent_markup(_lower_start(html))
    return False


def _consent_markup(page: str) -> bool:
    """A consent manager's markup or host, or a form that posts a consent (``page`` in lower case)."""
    if _first(_CONSENT_MARKUP, page):
        return True
    start = page.find("<form")
    while start != -1:
        tag = page[start:page.find(">", start) + 1 or None]
        if "consent" in tag:
            return True
        start = page.find("<form", start + 5)
    return False


@dataclass(frozen=True)
class Claims:
    """What the page's metadata says about the article: its length, whether it is free."""

    word_count: int | None = None
    free: bool | None = None

    @property
    def known(self) -> bool:
        return self.word_count is not None or self.free is not None


def claims(html: bytes | str) -> Claims:
    """The page's JSON-LD ``wordCount`` (or the words of its ``articleBody``) and ``isAccessibleForFree``,
    and ``article:content_tier``."""
    # UTF-8 here, not latin-1: the words of articleBody are counted (latin-1 would split them at
    # the bytes 0x85 and 0xA0 that UTF-8 letters contain)
    page = html[:4 * _SNIFF] if isinstance(html, str) else html[:4 * _SNIFF].decode("utf-8", "replace")
    word_count: int | None = None
    free: bool | None = None
    for block in _LD_JSON.findall(page):
        try:
            document = json.loads(block.strip())
        except ValueError:
            continue
        for node in _nodes(document):
            count = node.get("wordCount")
            if isinstance(count, int | str) and str(count).strip().isdigit():
                word_count = max(word_count or 0, int(str(count).strip()))
            body = node.get("articleBody")
            if isinstance(body, str) and body.strip():
                word_count = max(word_count or 0, len(body.split()))
            accessible = node.get("isAccessibleForFree")
            if accessible is not None:
                flag = str(accessible).strip().lower()
                if flag in ("false", "0", "no"):
                    free = False
                elif flag in ("true", "1", "yes") and free is None:
                    free = True
    tier = _CONTENT_TIER.search(page)
    if tier and tier.group(1).lower() in ("locked", "metered"):
        free = False
    return Claims(word_count, free)


def _nodes(document) -> Iterator[Mapping]:
    """Every object of a JSON-LD document (@graph lists and nested objects included)."""
    stack = [document]
    seen = 0
    while stack and seen < 1000:  # bounded: JSON-LD from untrusted pages
        node = stack.pop()
        seen += 1
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            yield node
            stack.extend(value for value in node.values() if isinstance(value, list | dict))


def paywall(page_claims: Claims, text: str, *, ratio: float = 0.5, min_words: int = 150) -> str | None:
    """Why the text is a paywall stub (a short description), or None."""
    words = len(text.split())
    claimed = page_claims.word_count
    if claimed and claimed >= _MIN_CLAIMED_WORDS and words < ratio * claimed:
        return f"{words} words where the page's metadata claims {claimed}"
    if page_claims.free is False and words < min_words:
        return f"{words} words on a page marked not free (isAccessibleForFree / content_tier)"
    return None


@dataclass(frozen=True)
class WallRules:
    """How walls are told after extraction (settings EXTRACT_MIN_CHARS, EXTRACT_PAYWALL_*)."""

    min_chars: int = 200
    paywall_ratio: float = 0.5
    paywall_min_words: int = 150


def verdict(body: bytes | str, text: str | None, rules: WallRules) -> tuple[str, str] | None:
    """A challenge served as 200, a consent form or a paywall stub in the article's place, told
    after extraction by the text: (``"challenge"`` | ``"consent"`` | ``"paywall"``, detail), or None.
    Pure: the extraction worker judges it, beside the text."""
    text = text or ""
    short = len(text) < rules.min_chars
    challenged = challenge_markup(body) if short else None
    if challenged:
        return "challenge", challenged
    if is_consent_only(body, text, short=short):
        return "consent", ""
    stub = text and paywall(claims(body), text, ratio=rules.paywall_ratio, min_words=rules.paywall_min_words)
    if stub:
        return "paywall", stub
    return None

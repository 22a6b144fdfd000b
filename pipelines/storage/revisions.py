"""When a fetched page is a new revision of an article, and when it is unchanged: the one
place that decides (no Scrapy imports).

Unchanged is a 304 that answered our conditional request, the same payload as the
newest revision archived for the URL (checked before extraction, which it saves), or
the same text (checked after). A changed text becomes revision N + 1.
"""

from __future__ import annotations

from .catalog import UrlState


def unchanged_payload(previous: UrlState, *, status: int, conditional: bool, payload_digest: str | None) -> str | None:
    """Why the page is unchanged before it is extracted, or None."""
    if status == 304 and conditional:
        return "not modified since the last capture"
    if previous.revision and payload_digest and payload_digest == previous.payload_digest:
        return f"same payload as revision {previous.revision}"
    return None


def next_revision(previous_revision: int, previous_text_sha1: str | None, text_sha1: str) -> int | None:
    """The revision number a text gets, or None when it is the newest revision's text."""
    if previous_revision and previous_text_sha1 == text_sha1:
        return None
    return previous_revision + 1

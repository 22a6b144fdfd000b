"""Items: one archived article, with the catalog's fields and its text."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(repr=False)
class Article:
    url: str
    status: int = 0
    content_type: str = ""
    # What the server sent, decoded from any Content-Encoding; not exported.
    body: bytes = field(default=b"", repr=False)
    fetched_at: str | None = None
    # Where the response record is: `warcio extract ARCHIVE_DIR/warc/FILE OFFSET`.
    warc_file: str | None = None
    warc_offset: int | None = None
    response_record_id: str | None = None
    payload_digest: str | None = None
    # The URL's catalog state when its request went out (UrlState.as_meta()); not exported.
    state: dict | None = field(default=None, repr=False)
    # The request carried If-None-Match / If-Modified-Since: a 304 answers it ("unchanged").
    conditional: bool = False
    # The body is incomplete (connection lost, DOWNLOAD_FAIL_ON_DATALOSS off): never extracted.
    truncated: bool = False
    # The response's headers (lower-case names, repeated ones joined with ", "), for telling bot
    # challenges apart; and the capture's own record (a revisit's, not its original's), which a
    # wall's verdict is put on. Not exported.
    headers: dict | None = field(default=None, repr=False)
    capture_record_id: str | None = None
    # Filled by extraction.
    canonical_url: str | None = None
    title: str | None = None
    author: str | None = None
    published: str | None = None
    language: str | None = None
    site_name: str | None = None
    description: str | None = None
    text: str | None = None
    # Filled by storage.
    article_id: int | None = None  # the catalog row
    text_path: str | None = None
    text_sha1: str | None = None
    conversion_record_id: str | None = None
    revision: int | None = None  # 1 for the first version archived, then 2, 3… as it changes
    # What discovery said (Google News sitemap, feed entry): kept, and used
    # where the page itself lacks the field.
    discovered_via: str | None = None  # article, sitemap, feed, site
    source_title: str | None = None
    source_published: str | None = None
    source_language: str | None = None
    run_id: str | None = None  # the crawl run that archived this revision
    # Articles telling the same story (a wire story on several outlets) share a story_id;
    # story_similarity is the similarity to the closest earlier article of the story.
    story_id: int | None = None
    story_similarity: float | None = None
    # Computed by the extraction worker for the story linker; not exported.
    story_fingerprint: object = field(default=None, repr=False)

    def __repr__(self) -> str:  # short: Scrapy logs the item of every drop
        return f"Article(url={self.url!r}, status={self.status}, title={self.title!r})"

"""Every table of the catalog file, and how older files are brought up to date (no Scrapy).

One owner for the schema: ``articles`` (one row per article revision), ``captures`` (one
row per exchange archived), ``story_fingerprints`` / ``story_buckets`` (story clusters),
``site_lines`` (learned site furniture), ``blocked_captures`` (captures that were bot
challenges, consent or paywall pages: not archived for recrawl) and the full-text index ``articles_fts`` /
``articles_fts_rows`` (kept by the review tools). ``migrate`` runs when a catalog opens.
"""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 5

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    canonical_url TEXT,
    title TEXT,
    author TEXT,
    published TEXT,
    language TEXT,
    site_name TEXT,
    description TEXT,
    fetched_at TEXT NOT NULL,
    text_path TEXT NOT NULL,
    text_sha1 TEXT NOT NULL,
    warc_file TEXT,
    warc_offset INTEGER,
    response_record_id TEXT,
    payload_digest TEXT,
    conversion_record_id TEXT,
    revision INTEGER NOT NULL DEFAULT 1,
    discovered_via TEXT,                -- article, sitemap, feed, site
    source_title TEXT,                  -- as the sitemap / feed gave them
    source_published TEXT,
    source_language TEXT,
    run_id TEXT,                        -- the crawl run that archived this revision
    story_id INTEGER,                   -- articles telling the same story share it
    story_similarity REAL               -- similarity to the story's closest earlier article
);
CREATE INDEX IF NOT EXISTS articles_run ON articles (run_id);
CREATE INDEX IF NOT EXISTS articles_story ON articles (story_id);
CREATE INDEX IF NOT EXISTS articles_url ON articles (url);
CREATE INDEX IF NOT EXISTS articles_canonical_url ON articles (canonical_url);
CREATE TABLE IF NOT EXISTS captures (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    status INTEGER NOT NULL,
    record_type TEXT NOT NULL,          -- response | revisit
    record_id TEXT NOT NULL,
    warc_file TEXT NOT NULL,
    warc_offset INTEGER NOT NULL,
    payload_digest TEXT,
    etag TEXT,
    last_modified TEXT,
    refers_to TEXT,                     -- the original's record ID, for a revisit
    payload_length INTEGER,             -- bytes of the body as the server sent it
    content_type TEXT,
    run_id TEXT,
    truncated TEXT,                     -- WARC-Truncated reason of a partial exchange
    conditional INTEGER                 -- 1: the request carried If-None-Match / If-Modified-Since
);
CREATE INDEX IF NOT EXISTS captures_run ON captures (run_id);
CREATE INDEX IF NOT EXISTS captures_record ON captures (record_id);  -- articles and revisits join on it
CREATE INDEX IF NOT EXISTS captures_url ON captures (url);
CREATE INDEX IF NOT EXISTS captures_digest ON captures (payload_digest);

CREATE TABLE IF NOT EXISTS story_fingerprints (
    article_id INTEGER PRIMARY KEY,     -- articles.id
    version INTEGER NOT NULL,           -- the fingerprint version (pipelines.extraction.stories)
    shingles INTEGER NOT NULL,
    signature BLOB NOT NULL             -- MinHash values, little-endian uint32
);
CREATE TABLE IF NOT EXISTS story_buckets (
    bucket INTEGER NOT NULL,            -- hash of one LSH band of the signature
    article_id INTEGER NOT NULL,
    PRIMARY KEY (bucket, article_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS site_lines (  -- learned site furniture: pages each short line was seen on
    host TEXT NOT NULL,
    line TEXT NOT NULL,                 -- '' holds the host's page count
    pages INTEGER NOT NULL,
    updated TEXT NOT NULL,
    PRIMARY KEY (host, line)
);
CREATE TABLE IF NOT EXISTS blocked_captures (  -- a capture that was a wall, not the article: fetched again
    record_id TEXT PRIMARY KEY,         -- captures.record_id
    url TEXT NOT NULL,
    reason TEXT NOT NULL,               -- challenge | consent | paywall
    detail TEXT,                        -- what gave it away
    run_id TEXT,
    detected_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS blocked_captures_url ON blocked_captures (url);
CREATE INDEX IF NOT EXISTS blocked_captures_run ON blocked_captures (run_id);
CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(
    title, text, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS articles_fts_rows (
    id INTEGER PRIMARY KEY,             -- articles.id = articles_fts.rowid
    text_sha1 TEXT NOT NULL             -- the text indexed (a row replaced under the same id is re-indexed)
);
"""

# Columns added since the first catalogs; added to older files when they are opened.
ADDED_COLUMNS = {
    "articles": ("revision INTEGER NOT NULL DEFAULT 1", "discovered_via TEXT", "source_title TEXT",
                 "source_published TEXT", "source_language TEXT", "run_id TEXT", "story_id INTEGER",
                 "story_similarity REAL"),
    "captures": ("payload_length INTEGER", "content_type TEXT", "run_id TEXT", "truncated TEXT",
                 "conditional INTEGER"),
}



def migrate(db: sqlite3.Connection) -> None:
    """Create what is missing and add the columns newer versions need, in one transaction."""
    with db:
        for table, columns in ADDED_COLUMNS.items():  # catalogs written by earlier versions
            existing = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            for column in columns:
                if existing and column.split()[0] not in existing:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
        db.executescript(SCHEMA)
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

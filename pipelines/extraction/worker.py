"""What an extraction worker does for one page (no Scrapy imports): run the extractor
(EXTRACT_FUNCTION) and fingerprint the text for story linking — pure Python, a few ms
a page, better in the worker than in the crawl's reactor thread."""

from __future__ import annotations

from . import stories
from .pool import load_function

WORKER_FUNCTION = "pipelines.extraction.worker.extract_page"


def extract_page(function_path: str, html: bytes, url: str, *, fingerprint: bool, **kwargs):
    """(ExtractedArticle or None, story Fingerprint or None)."""
    article = load_function(function_path)(html, url, **kwargs)
    story_fingerprint = stories.fingerprint(article.text) if fingerprint and article and article.text else None
    return article, story_fingerprint

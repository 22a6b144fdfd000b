"""What an extraction worker does for one page (no Scrapy imports): run the extractor
(EXTRACT_FUNCTION), judge whether the page is a wall in the article's place (a challenge,
a consent form, a paywall stub: told by the text), and fingerprint the text for story
linking. All of it pure CPU work, better in the worker than in the crawl's reactor thread."""

from __future__ import annotations

from typing import Any, NamedTuple

from . import stories, walls
from .pool import load_function

WORKER_FUNCTION = "pipelines.extraction.worker.extract_page"


class PageResult(NamedTuple):
    article: Any  # ExtractedArticle or None
    story_fingerprint: stories.Fingerprint | None
    wall: tuple[str, str] | None  # walls.verdict()


def extract_page(function_path: str, html: bytes, url: str, *, fingerprint: bool,
                 wall_rules: walls.WallRules | None = None, **kwargs) -> PageResult:
    article = load_function(function_path)(html, url, **kwargs)
    text = article.text if article is not None else None
    wall = walls.verdict(html, text, wall_rules) if wall_rules is not None else None
    story_fingerprint = stories.fingerprint(text) if fingerprint and text and wall is None else None
    return PageResult(article, story_fingerprint, wall)

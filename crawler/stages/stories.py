"""StoriesStage (ITEM_PIPELINES 850): links each stored row to the story of its most
similar earlier article (STORIES_*), in the row and its sidecar."""

from __future__ import annotations

import sqlite3

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured

from crawler import drops
from crawler.capture.archive import Archive
from pipelines.extraction import stories


class StoriesStage:
    """Links each stored row to the story of its most similar earlier article (STORIES_*)."""

    def __init__(self, archive: Archive, stats, *, threshold: float, min_words: int):
        self.archive = archive
        self.stats = stats
        self.threshold = threshold
        self.min_words = min_words
        self.linker: stories.StoryLinker | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("STORIES_ENABLED"):
            raise NotConfigured("STORIES_ENABLED is off")
        return cls(crawler.get_extension(Archive), crawler.stats, threshold=settings.getfloat("STORIES_THRESHOLD"),
                   min_words=settings.getint("STORIES_MIN_WORDS"))

    def process_item(self, item):
        adapter = ItemAdapter(item)
        if self.linker is None:  # story linking stays per worker: the local catalog file
            self.linker = stories.StoryLinker(self.archive.local_catalog.stories, threshold=self.threshold,
                                              min_words=self.min_words)
        try:
            adapter["story_id"], adapter["story_similarity"] = self.linker.link(
                adapter["article_id"], adapter["text"], url=adapter["url"], canonical_url=adapter.get("canonical_url"),
                precomputed=adapter.get("story_fingerprint"))
        except (OSError, sqlite3.Error) as exc:
            self.archive.write_failed(exc, f"the story of {adapter['url']}")
            raise drops.StoreFailed(f"{type(exc).__name__}: {exc}") from exc
        self.stats.inc_value("stories/new" if adapter["story_id"] == adapter["article_id"] else "stories/linked")
        return item

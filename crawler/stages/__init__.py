"""The item pipelines (ITEM_PIPELINES), one module each: thin Scrapy glue around the two stages in
``pipelines/``. An Article item passes, in order:

1. ``RevisionFilter`` (200): a page unchanged since its newest revision (a 304 to our
   conditional request, the same payload) is dropped before it is extracted.
2. ``ExtractionStage`` (300): clean text and metadata, in worker processes; pages that
   are not articles are dropped with a reason.
3. ``StoreStage`` (800): the text as a WARC conversion record, its text file, then the
   catalog row — in that order, so nothing ever points at a record or file that is not
   on disk yet. The same text again is dropped as unchanged.
4. ``StoriesStage`` (850): links the row to the story of its closest earlier article.
5. ``SidecarStage`` (900): the JSON sidecar beside the text file, once, last.

Every drop is a ``crawler.drops`` reason counted as ``extract/dropped/<reason>`` (or
``archive/unchanged``); the page's capture stays in the WARC either way. The archive
(writer, catalog, layout) is the ``Archive`` extension's.
"""

from __future__ import annotations

from .extraction import ExtractionStage
from .revisions import RevisionFilter
from .store import SidecarStage, StoreStage
from .stories import StoriesStage

__all__ = ["ExtractionStage", "RevisionFilter", "SidecarStage", "StoreStage", "StoriesStage"]

"""Scrapy's MetaRefreshMiddleware without its cost on pages that have no refresh: Scrapy
decodes every HTML body in full (sniffing the charset of pages that declare none) to look
for ``<meta http-equiv="refresh">`` in its first 4,096 characters. Here a page whose first
16 KiB of bytes do not contain "refresh" is passed on untouched; the others get Scrapy's
own handling."""

from __future__ import annotations

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware

# 4,096 characters (what Scrapy reads) are at most 16 KiB of UTF-8, UTF-16 or single-byte text
_HEAD_BYTES = 16 * 1024


class HeadMetaRefreshMiddleware(MetaRefreshMiddleware):
    def process_response(self, request, response, spider=None):
        head = response.body[:_HEAD_BYTES]
        if b"refresh" not in head.lower() and b"r\x00e\x00f\x00r\x00e\x00s\x00h" not in head.lower():
            return response
        return super().process_response(request, response)

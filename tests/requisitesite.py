"""A news site whose pages need every kind of page requisite, on two loopback servers:
the page host and a "CDN" (another port). Stylesheets with ``@import`` and an ``url()``
web font, images with ``srcset``, a ``<picture>``, a lazy image (``data-src``, swapped in
by the site's script, as lazy-loading libraries do), an inline ``style`` background, a
video poster, an icon, ``og:image``, an iframe with its own stylesheet, and a script that
writes visible text. Shared requisites carry an ETag, so conditional re-fetches get 304.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from tests.localsite import PARAGRAPHS, LocalSite, Route

HTML = "text/html; charset=utf-8"
SCRIPT_TEXT = "Live edition: updated by the site's script"
ARTICLES = {
    "/news/icebreaker": "Icebreaker to keep the northern lane open",
    "/news/harbour": "Harbour authority plans a second quay",
    "/news/ferry": "Winter ferry timetable extended to March",
}
NOT_MODIFIED_ARTICLE = "/news/ferry"
FONT_FILES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans-ExtraLight.ttf",
              "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
              "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf")


def png(width: int, height: int, seed: int) -> bytes:
    """A PNG of stripes and a gradient (so that a wrong or missing image shows)."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            stripe = ((x + y * seed) // 7) % 2
            row += bytes(((seed * 53 + x) % 256, (y * 2 + seed * 31) % 256, 200 if stripe else 40))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 6)) + chunk(b"IEND", b""))


def font_bytes() -> bytes | None:
    for path in FONT_FILES:
        if Path(path).is_file():
            return Path(path).read_bytes()
    return None


def article_page(title: str, page: str, cdn: str) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS[:3])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta property="og:image" content="{cdn}/img/og.png">
<meta property="article:published_time" content="2024-02-04T09:30:00Z">
<link rel="icon" href="/favicon.png">
<link rel="stylesheet" href="/static/site.css">
<script src="{cdn}/js/app.js" defer></script>
</head><body>
<header><img class="logo" src="/static/logo.png" alt="Harbour News" width="200" height="40"></header>
<article><h1>{title}</h1>
<p id="live">Static edition</p>
<img class="photo" src="{cdn}/img/photo-300.png" srcset="{cdn}/img/photo-300.png 300w, {cdn}/img/photo-600.png 600w"
     sizes="300px" width="300" height="120" alt="">
<picture><source srcset="{cdn}/img/picture.png" type="image/png">
  <img src="/img/picture-fallback.png" width="120" height="60" alt=""></picture>
<img class="lazy" data-src="{cdn}/img/lazy.png" src="data:image/gif;base64,R0lGODlhAQABAAAAACw="
     width="120" height="60" alt="">
<div class="banner" style="background-image: url('/img/inline-bg.png'); width: 300px; height: 30px"></div>
<video poster="/img/poster.png" width="160" height="60"></video>
{paragraphs}
<p class="page">{page}</p>
<iframe src="/embed/widget" width="320" height="60" style="border:0"></iframe>
</article></body></html>"""


SITE_CSS = """@import url("base.css");
@font-face { font-family: "Harbour Sans"; src: url("{cdn}/fonts/harbour.ttf") format("truetype"); }
body { font-family: "Harbour Sans", serif; margin: 0; padding: 12px; background: #f4f1ea; }
header { height: 40px; background: url("/img/header-bg.png") repeat-x; }
@media screen { h1 { color: #123456; background-image: url("{cdn}/img/h1-bg.png"); } }
"""
BASE_CSS = """p { line-height: 1.3; font-size: 13px; margin: 4px 0; } .page { color: #777; }
article { background: url(/img/article-bg.png) no-repeat right top; }"""
WIDGET = """<!DOCTYPE html><html><head><link rel="stylesheet" href="/embed/widget.css"></head>
<body><div class="widget">Tide tables</div></body></html>"""
WIDGET_CSS = "body { margin: 0; font: 12px sans-serif; } .widget { padding: 4px; background: url(/img/widget.png); }"
APP_JS = f"""document.getElementById("live").textContent = {SCRIPT_TEXT!r};
for (const img of document.querySelectorAll("img.lazy")) {{ img.src = img.dataset.src; }}
"""

# The shared requisites, by server: path -> (content type, body)
IMAGES = {"/static/logo.png": (200, 40), "/img/picture-fallback.png": (120, 60), "/img/inline-bg.png": (300, 30),
          "/img/poster.png": (160, 60), "/img/header-bg.png": (20, 40), "/img/article-bg.png": (40, 40),
          "/img/widget.png": (10, 10), "/favicon.png": (16, 16)}
CDN_IMAGES = {"/img/og.png": (60, 30), "/img/photo-300.png": (300, 120), "/img/photo-600.png": (600, 240),
              "/img/picture.png": (120, 60), "/img/lazy.png": (120, 60), "/img/h1-bg.png": (10, 20)}


def _static(site: LocalSite, path: str, content_type: str, body: bytes, etag: bool = True) -> None:
    # as CDNs do: a web font from another origin loads only with CORS
    headers = [("Content-Type", content_type), ("Cache-Control", "max-age=600"), ("Access-Control-Allow-Origin", "*")]
    if etag:
        headers.append(("ETag", f'"{zlib.crc32(body):08x}"'))
    site.routes[path] = Route(headers=headers, body=body)


def requisite_site() -> tuple[LocalSite, LocalSite]:
    """(pages, cdn), not started."""
    pages, cdn = LocalSite(), LocalSite()
    cdn_base = cdn.base
    for path, title in ARTICLES.items():
        # the last one answers conditional requests with 304; the others send no validators
        validators = [("ETag", f'"{path}"')] if path == NOT_MODIFIED_ARTICLE else []
        pages.routes[path] = Route(headers=[("Content-Type", HTML), *validators],
                                   body=article_page(title, path, cdn_base).encode())
    _static(pages, "/static/site.css", "text/css", SITE_CSS.replace("{cdn}", cdn_base).encode())
    _static(pages, "/static/base.css", "text/css", BASE_CSS.encode())
    _static(pages, "/embed/widget", HTML, WIDGET.encode())
    _static(pages, "/embed/widget.css", "text/css", WIDGET_CSS.encode())
    for seed, (path, size) in enumerate(IMAGES.items(), 1):
        _static(pages, path, "image/png", png(*size, seed))
    for seed, (path, size) in enumerate(CDN_IMAGES.items(), 20):
        _static(cdn, path, "image/png", png(*size, seed), etag=path != "/img/og.png")  # one without validators
    _static(cdn, "/js/app.js", "application/javascript", APP_JS.encode())
    font = font_bytes()
    if font is not None:
        _static(cdn, "/fonts/harbour.ttf", "font/ttf", font)
    return pages, cdn


def requisite_paths(pages: LocalSite, cdn: LocalSite) -> dict[str, list[str]]:
    """Every requisite path the site serves, by server."""
    return {"pages": [p for p in pages.routes if p not in ARTICLES and p != "/robots.txt"
                      and p in {*IMAGES, "/static/site.css", "/static/base.css", "/embed/widget", "/embed/widget.css"}],
            "cdn": [p for p in (*CDN_IMAGES, "/js/app.js", "/fonts/harbour.ttf") if p in cdn.routes]}

"""A local news site that can be discovered: robots.txt with a Sitemap: line, a
sitemap index, a Google News sitemap, a gzip sitemap, RSS and Atom feeds, a
front page announcing its feed, sections and a tag page."""

from __future__ import annotations

import gzip

from tests.localsite import PARAGRAPHS, LocalSite, Route, article_html

HTML = "text/html; charset=utf-8"
STORIES = {f"/2024/02/0{n}/story-{n}": f"Story number {n} from the harbour" for n in range(1, 7)}


def story(n: int) -> str:
    return f"/2024/02/0{n}/story-{n}"


def story_html(title: str, n: int) -> bytes:
    # distinct text per story, so no two pages share a payload or paragraphs
    paragraphs = [f"In story {n}, {p[0].lower()}{p[1:]}" for p in PARAGRAPHS]
    return article_html(title, paragraphs).encode()


def page(title: str, links: list[str], head: str = "") -> bytes:
    items = "".join(f'<li><article><a href="{href}">Teaser for {href}</a></article></li>' for href in links)
    return (f"<!DOCTYPE html><html lang='en'><head><title>{title}</title>{head}</head><body>"
            f"<h1>{title}</h1><ul>{items}</ul></body></html>").encode()


def news_site() -> LocalSite:
    site = LocalSite()
    base = site.base
    routes = site.routes
    for n, (path, title) in enumerate(STORIES.items(), 1):
        routes[path] = Route(headers=[("Content-Type", HTML)], body=story_html(title, n))
    routes["/robots.txt"] = Route(headers=[("Content-Type", "text/plain")], body=(
        f"User-agent: *\nDisallow: /private/\n\nSitemap: {base}/sitemap-index.xml\n").encode())
    routes["/sitemap-index.xml"] = Route(headers=[("Content-Type", "application/xml")], body=f"""<?xml version="1.0"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
 <sitemap><loc>{base}/sitemaps/news.xml</loc><lastmod>2024-02-04</lastmod></sitemap>
 <sitemap><loc>{base}/sitemaps/archive.xml.gz</loc></sitemap>
</sitemapindex>""".encode())
    routes["/sitemaps/news.xml"] = Route(headers=[("Content-Type", "application/xml")], body=f"""<?xml version="1.0"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
 <url><loc>{base}{story(1)}</loc><news:news>
   <news:publication><news:name>Harbour News</news:name><news:language>en</news:language></news:publication>
   <news:publication_date>2024-02-04T09:30:00Z</news:publication_date>
   <news:title>Story number 1 (news sitemap title)</news:title></news:news></url>
 <url><loc>{base}{story(2)}</loc><news:news>
   <news:publication><news:name>Harbour News</news:name><news:language>en</news:language></news:publication>
   <news:publication_date>2024-02-03</news:publication_date><news:title>Story 2</news:title></news:news></url>
</urlset>""".encode())
    routes["/sitemaps/archive.xml.gz"] = Route(headers=[("Content-Type", "application/gzip")], body=gzip.compress(
        f"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
 <url><loc>{base}{story(3)}</loc><lastmod>2023-12-01</lastmod></url>
 <url><loc>{base}{story(4)}</loc><lastmod>2024-02-03T10:00:00+01:00</lastmod></url>
 <url><loc>http://elsewhere.invalid/2024/02/04/not-ours</loc></url>
</urlset>""".encode(), mtime=0))
    routes["/feeds/rss.xml"] = Route(headers=[("Content-Type", "application/rss+xml")], body=f"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Harbour News</title><link>{base}/</link><description>News</description>
 <item><title>Story 1</title><link>{base}{story(1)}</link><pubDate>Sun, 04 Feb 2024 09:30:00 GMT</pubDate></item>
 <item><title>Story 5</title><link>{base}{story(5)}</link><pubDate>Mon, 05 Feb 2024 08:00:00 GMT</pubDate></item>
</channel></rss>""".encode())
    routes["/feeds/atom.xml"] = Route(headers=[("Content-Type", "application/atom+xml")], body=f"""<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="{base}/feeds/"><title>Harbour News</title>
 <id>urn:harbour</id><updated>2024-02-06T08:00:00Z</updated>
 <entry><title>Story 6</title><link href="..{story(6)}"/><id>urn:6</id><updated>2024-02-06T08:00:00Z</updated></entry>
</feed>""".encode())
    routes["/"] = Route(headers=[("Content-Type", HTML)], body=page(
        "Harbour News", ["/world/", "/business/", story(1), story(2), "/about", "/private/members"],
        head='<link rel="alternate" type="application/rss+xml" title="RSS" href="/feeds/rss.xml">'))
    routes["/world/"] = Route(headers=[("Content-Type", HTML)], body=page("World", [story(3), story(5), "/tag/ice"]))
    routes["/business/"] = Route(headers=[("Content-Type", HTML)], body=page("Business", [story(4), story(6)]))
    routes["/tag/ice"] = Route(headers=[("Content-Type", HTML)], body=page("Tag: ice", [story(2), "/tag/deep"]))
    routes["/about"] = Route(headers=[("Content-Type", HTML)], body=page("About us", []))
    return site

"""A deterministic, realistic local news site for the throughput benchmark.

    .venv/bin/python benchmarks/newssite.py --pages 2000 --out /tmp/news-bench/site [--seed 42]
        [--base http://127.0.0.1:8080]

Writes static files for a web server (benchmarks/nginx.py serves them):

- ``--pages`` article pages of ~100 KB of HTML each (80-130 KB), at extensionless URLs like
  ``/business/2024/06/29/harbour-council-approves-budget-100042``, with the furniture of a real
  news page: inline CSS and JavaScript bundles (the same on every page, as a CMS inlines them),
  header, mega menu, breaking-news ticker, breadcrumb, byline, figure with caption, 6-15
  paragraphs with subheadings, a pull quote, "READ MORE:" teasers and ad slots inside the text,
  share buttons, tags, most-read and related lists, newsletter box, comments placeholder, footer,
  og/twitter/article meta tags, JSON-LD NewsArticle and a JSON page state (``__APP_STATE__``)
  repeating the article, as modern front-ends do;
- a front page and one page per section (``/business/``), listing the newest articles;
- ``robots.txt`` with a ``Sitemap:`` line, ``sitemap.xml`` (a sitemap index) with one child
  sitemap per month (``/sitemaps/2024-06.xml``, split at 50,000 URLs), and ``feed.xml`` (RSS 2.0,
  the newest 50 articles): these name the site by ``--base``, so they are rewritten for the address
  the server listens on (``write_discovery``) while the article pages are generated once and cached;
- ``manifest.json``: the generator version, seed and every article's path, date and title.

Prose is generated from a Zipf-distributed vocabulary of real English function words and ~16,000
made-up content words, so the text has the entropy of real prose: article pages gzip about 4x, not
the 50x of a page made of repeated sentences. Some text is non-ASCII (typographic quotes, dashes,
names like "Jüri Mäe"), so charset handling matters.

Links inside pages are root-relative; canonical, og:url and JSON-LD use the site's public origin
``https://www.harbour-times.example`` (as when archiving a mirror of a site), so the pages do not
depend on the port they are served on.

Everything comes from ``random.Random(seed)``: the same seed and page count give byte-identical
files. 2,000 pages take a few seconds, 20,000 about half a minute (about 2 GB).
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import random
import sys
import time
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

GENERATOR_VERSION = 3  # 2: one shared stylesheet and logo, image files (page requisites)
DEFAULT_SEED = 42
SITE_NAME = "The Harbour Times"
PUBLIC_ORIGIN = "https://www.harbour-times.example"
# The newest article is published at this moment; older ones go back ~40 a day.
NEWEST = dt.datetime(2024, 6, 30, 18, 0, tzinfo=dt.UTC)
PER_DAY = 40
SITEMAP_MAX_URLS = 50_000  # the sitemaps.org limit per file
FEED_ITEMS = 50
SECTIONS = ["world", "politics", "business", "economy", "technology", "science", "health", "culture",
            "sport", "opinion", "environment", "local"]

_FUNCTION_WORDS_TEXT = (
    "the of and to a in that is for on was with said as it at by from he his be have has are an not but "
    "were they who their its this had will been more after would which one or about over also new than up "
    "year two people we she there when all her first last into out could so other some what can no years "
    "government told week three while police time before against city minister since per cent our you "
    "such between under many them most only because may if any where those during both four five how "
    "country state local council public million officials report plan years still next month could should "
    "being through around back well just down made former percent according however while support "
    "including market company president group national economy health workers children school"
)
FUNCTION_WORDS = _FUNCTION_WORDS_TEXT.split()
ONSETS = ["b", "br", "c", "ch", "cl", "cr", "d", "dr", "f", "fl", "fr", "g", "gl", "gr", "h", "j", "k", "l",
          "m", "n", "p", "pl", "pr", "qu", "r", "s", "sc", "sh", "sl", "sp", "st", "str", "t", "th", "tr", "v",
          "w", "wh", "y", "z", ""]
NUCLEI = ["a", "e", "i", "o", "u", "ai", "ea", "ee", "ie", "io", "oa", "ou", "y"]
CODAS = ["", "", "", "n", "r", "s", "t", "l", "m", "nd", "nt", "st", "ck", "ng", "rd", "sh", "x"]
FIRST_NAMES = ["Anna", "Jüri", "Marta", "Olek", "Sofía", "Liam", "Noor", "Chloé", "Tomás", "Ingrid", "Kwame",
               "Mei", "Ravi", "Zofia", "Björn", "Amara", "Luca", "Hana", "Dmitri", "Aoife", "Émile", "Yusuf",
               "Greta", "Mateo", "Priya", "Sven", "Leila", "Oskar", "Nadia", "Felix"]
LAST_NAMES = ["Berg", "Mäe", "Kowalski", "Nowak", "García", "O'Brien", "Haddad", "Dubois", "Silva", "Lindqvist",
              "Mensah", "Chen", "Sharma", "Wiśniewska", "Åkesson", "Okafor", "Rossi", "Tanaka", "Petrov",
              "Murphy", "Lefèvre", "Demir", "Fischer", "Álvarez", "Iyer", "Johansson", "Karimi", "Holm",
              "Novak", "Weber"]
ROLES = ["a spokeswoman for the council", "the harbour master", "an economist at the national bank",
         "the opposition leader", "a local shop owner", "the union's regional secretary",
         "a researcher at the university", "the mayor", "a police spokesman", "the health minister"]
CSS_PROPERTIES = ["margin:0 auto", "padding:0 16px", "display:flex", "display:grid", "display:none",
                  "font-size:14px", "font-size:1.125rem", "line-height:1.5", "color:#121212", "color:#6b6b6b",
                  "background:#fff", "background:#f4f1ea", "border-bottom:1px solid #e2e2e2", "gap:24px",
                  "grid-template-columns:repeat(12,1fr)", "position:relative", "position:sticky", "top:0",
                  "z-index:10", "max-width:1280px", "text-transform:uppercase", "letter-spacing:.04em",
                  "font-weight:700", "overflow:hidden", "transition:opacity .2s ease-in-out", "opacity:.85",
                  "align-items:center", "justify-content:space-between", "width:100%", "height:auto",
                  "border-radius:4px", "box-shadow:0 2px 6px rgba(0,0,0,.12)", "cursor:pointer"]


def _make_vocabulary(rng: random.Random, size: int = 16_000) -> list[str]:
    seen = set(FUNCTION_WORDS)
    words = list(dict.fromkeys(FUNCTION_WORDS))
    while len(words) < size:
        word = "".join(rng.choice(ONSETS) + rng.choice(NUCLEI) + rng.choice(CODAS)
                       for _ in range(rng.choice((1, 2, 2, 2, 3))))
        if 2 < len(word) < 14 and word not in seen:
            seen.add(word)
            words.append(word)
    return words


class Prose:
    """Sentences from a Zipf-Mandelbrot distribution over the vocabulary (rank r weighs 1/(r+2.7))."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.words = _make_vocabulary(rng)
        self.cum_weights = list(accumulate(1.0 / (rank + 2.7) for rank in range(len(self.words))))
        self.content_start = len(set(FUNCTION_WORDS))

    def words_(self, n: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cum_weights, k=n)

    def name(self) -> str:
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"

    def sentence(self) -> str:
        rng = self.rng
        words = self.words_(rng.randint(8, 30))
        if len(words) > 12 and rng.random() < 0.5:
            words[rng.randint(4, len(words) - 5)] += ","
        if rng.random() < 0.2:
            words.insert(rng.randint(1, len(words) - 1), f"{rng.randint(2, 980)}{rng.choice(('', ',000', '.5'))}")
        text = " ".join(words)
        text = text[0].upper() + text[1:]
        roll = rng.random()
        if roll < 0.12:
            return f"“{text},” said {self.name()}, {rng.choice(ROLES)}."
        if roll < 0.17:
            return f"{text} — {' '.join(self.words_(rng.randint(3, 8)))}."
        return text + "."

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(2, 5)))

    def headline(self) -> str:
        # content words mostly: a headline has few function words
        words = [self.rng.choice(self.words[self.content_start:self.content_start + 3000])
                 for _ in range(self.rng.randint(5, 10))]
        words[self.rng.randint(1, len(words) - 2)] = self.rng.choice(("to", "in", "after", "over", "as", "for"))
        text = " ".join(words)
        return text[0].upper() + text[1:]


@dataclass(frozen=True)
class ArticleMeta:
    number: int
    section: str
    published: dt.datetime
    title: str
    author: str
    path: str  # URL path, also the file's path under the site root

    @property
    def lastmod(self) -> str:
        return self.published.strftime("%Y-%m-%dT%H:%M:%SZ")


def _slug(title: str) -> str:
    kept = "".join(c if c.isascii() and c.isalnum() else " " for c in title.lower()).split()
    return "-".join(kept[:8])


class SiteGenerator:
    def __init__(self, pages: int, seed: int = DEFAULT_SEED):
        self.pages = pages
        self.seed = seed
        self.rng = random.Random(seed)
        self.prose = Prose(self.rng)
        self.authors = [self.prose.name() for _ in range(60)]
        self.articles = self._plan()
        self.css = self._css()
        self.js = self._js()
        self.menu = self._menu()
        self.footer = self._footer()

    # --- the site's plan and its shared furniture -----------------------------
    def _plan(self) -> list[ArticleMeta]:
        rng = self.rng
        articles = []
        step = 86400 / PER_DAY
        for i in range(self.pages):
            number = 100_000 + i
            published = NEWEST - dt.timedelta(seconds=int(i * step + rng.random() * step * 0.8))
            section = rng.choice(SECTIONS)
            title = self.prose.headline()
            path = f"/{section}/{published:%Y/%m/%d}/{_slug(title)}-{number}"
            articles.append(ArticleMeta(number, section, published, title, rng.choice(self.authors), path))
        return articles

    def _css(self) -> str:
        rng, words = self.rng, self.prose.words
        rules = []
        for _ in range(190):
            selector = ",".join(f".{rng.choice(words[100:2000])}-{rng.choice(words[100:2000])}"
                                for _ in range(rng.randint(1, 3)))
            rules.append(f"{selector}{{{';'.join(rng.sample(CSS_PROPERTIES, rng.randint(2, 6)))}}}")
            if rng.random() < 0.08:
                rules[-1] = f"@media (min-width:{rng.choice((600, 768, 1024, 1280))}px){{{rules[-1]}}}"
        return "".join(rules)

    def _js(self) -> str:
        rng, words = self.rng, self.prose.words
        parts = ["!function(){\"use strict\";var e=window,t=document;"]
        for i in range(110):
            name, key = rng.choice(words[200:3000]), rng.choice(words[200:3000])
            parts.append(
                f"function {name}{i}(n,r){{var o=t.querySelector(\"[data-{key}]\");if(!o)return null;"
                f"o.setAttribute(\"data-{name}\",n+\"-{rng.randint(0, 99999)}\");return r&&r.{key}?"
                f"r.{key}({rng.randint(0, 64)}):e.{name}={{id:{rng.randint(0, 9999)},v:\"{key}\"}}}}")
        parts.append("}();")
        return "".join(parts)

    def _menu(self) -> str:
        rng = self.rng
        items = []
        for section in SECTIONS:
            subs = "".join(f'<li><a href="/{section}/#{sub}" class="menu-sub">{sub.capitalize()}</a></li>'
                           for sub in rng.sample(self.prose.words[300:2500], 8))
            items.append(f'<li class="menu-item"><a href="/{section}/" class="menu-link">{section.capitalize()}</a>'
                         f'<ul class="menu-subs">{subs}</ul></li>')
        return (f'<nav class="site-nav" aria-label="Sections"><ul class="menu">{"".join(items)}</ul></nav>')

    def _footer(self) -> str:
        rng = self.rng
        columns = []
        for heading in ("News", "Opinion", "Culture", "Sport", "Services", "About us"):
            links = "".join(f'<li><a href="/{rng.choice(SECTIONS)}/">{rng.choice(self.prose.words[300:3000])} '
                            f'{rng.choice(self.prose.words[300:3000])}</a></li>' for _ in range(12))
            columns.append(f'<div class="footer-col"><h4>{heading}</h4><ul>{links}</ul></div>')
        return (f'<footer class="site-footer"><div class="footer-cols">{"".join(columns)}</div>'
                '<p class="legal">&copy; 2024 The Harbour Times Ltd. All rights reserved. '
                '<a href="/terms">Terms</a> <a href="/privacy">Privacy</a> <a href="/cookies">Cookies</a></p>'
                "</footer>")

    # --- pages ------------------------------------------------------------------
    def _head(self, title: str, description: str, extra: str = "") -> str:
        return (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)} | {SITE_NAME}</title>"
            f'<meta name="description" content="{html.escape(description)}">'
            '<link rel="alternate" type="application/rss+xml" title="The Harbour Times" href="/feed.xml">'
            f'{extra}<link rel="stylesheet" href="/static/site.css"><style>{self.css}</style>'
            f"<script>{self.js}</script>"
            '<script async src="/static/ads.js"></script></head>'
        )

    def _header(self) -> str:
        ticker = "".join(f'<li><a href="{a.path}">{html.escape(a.title)}</a></li>'
                         for a in self.rng.sample(self.articles[:200], min(5, len(self.articles))))
        return (
            '<body class="layout-article"><a class="skip" href="#main">Skip to content</a>'
            '<header class="site-header"><a class="logo" href="/" aria-label="The Harbour Times">'
            '<img class="logo-img" src="/static/logo.png" width="120" height="24" alt=""></a>'
            '<button class="menu-toggle" aria-expanded="false">Menu</button>'
            '<form class="search" action="/search"><input name="q" placeholder="Search"></form>'
            '<a class="subscribe" href="/subscribe">Subscribe</a><a class="login" href="/login">Log in</a>'
            f'</header>{self.menu}<div class="ticker"><span>Breaking</span><ul>{ticker}</ul></div>'
        )

    def _ad(self, slot: int) -> str:
        return (f'<div class="ad-slot ad-slot--{slot}" id="ad-{slot}" data-ad-unit="/2176/harbour/{slot}" '
                f'data-sizes="[[300,250],[728,90]]"><span class="ad-label">Advertisement</span></div>')

    def _teaser_list(self, css_class: str, heading: str, picks: list[ArticleMeta], summaries: bool) -> str:
        items = []
        for a in picks:
            summary = f'<p class="teaser-summary">{self.prose.sentence()}</p>' if summaries else ""
            items.append(f'<li class="teaser"><a href="{a.path}"><img src="/img/{a.number}-thumb.jpg" alt="" '
                         f'loading="lazy" width="160" height="90"><h3>{html.escape(a.title)}</h3></a>{summary}</li>')
        return f'<section class="{css_class}"><h2>{heading}</h2><ol>{"".join(items)}</ol></section>'

    def article_page(self, a: ArticleMeta) -> bytes:
        rng, prose = self.rng, self.prose
        others = self.articles
        paragraphs = [prose.paragraph() for _ in range(rng.randint(6, 15))]
        description = paragraphs[0][:160]
        modified = a.published + dt.timedelta(minutes=rng.randint(0, 300))
        url = PUBLIC_ORIGIN + a.path
        image = f"{PUBLIC_ORIGIN}/img/{a.number}.jpg"
        tags = rng.sample(prose.words[400:3000], rng.randint(3, 6))
        ld = {
            "@context": "https://schema.org", "@type": "NewsArticle", "headline": a.title,
            "description": description, "datePublished": a.lastmod,
            "dateModified": modified.strftime("%Y-%m-%dT%H:%M:%SZ"), "inLanguage": "en",
            "author": [{"@type": "Person", "name": a.author, "url": f"{PUBLIC_ORIGIN}/authors/{_slug(a.author)}"}],
            "publisher": {"@type": "Organization", "name": SITE_NAME,
                          "logo": {"@type": "ImageObject", "url": f"{PUBLIC_ORIGIN}/logo.png"}},
            "image": [image], "mainEntityOfPage": url, "articleSection": a.section.capitalize(),
            "keywords": tags,
        }
        meta = (
            f'<link rel="canonical" href="{url}">'
            f'<meta property="og:type" content="article"><meta property="og:site_name" content="{SITE_NAME}">'
            f'<meta property="og:title" content="{html.escape(a.title)}">'
            f'<meta property="og:description" content="{html.escape(description)}">'
            f'<meta property="og:url" content="{url}"><meta property="og:image" content="/img/{a.number}.jpg">'
            f'<meta name="twitter:card" content="summary_large_image">'
            f'<meta name="twitter:title" content="{html.escape(a.title)}">'
            f'<meta name="author" content="{html.escape(a.author)}">'
            f'<meta property="article:published_time" content="{a.lastmod}">'
            f'<meta property="article:section" content="{a.section.capitalize()}">'
            + "".join(f'<meta property="article:tag" content="{t}">' for t in tags)
            + f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>'
        )
        body = []
        subheads = set(rng.sample(range(2, len(paragraphs)), min(len(paragraphs) - 2, rng.randint(1, 3))))
        ad_after = {1, 4, 8, 12}
        for i, para in enumerate(paragraphs):
            if i in subheads:
                body.append(f"<h2>{prose.headline()}</h2>")
            body.append(f"<p>{para}</p>")
            if i == 2:
                other = rng.choice(others)
                body.append(f'<p class="read-more"><a href="{other.path}">READ MORE: '
                            f"{html.escape(other.title)}</a></p>")
            if i in ad_after:
                body.append(self._ad(i))
            if i == 5:
                body.append(f'<blockquote class="pull-quote"><p>“{prose.sentence()}”</p></blockquote>')
        caption = prose.sentence()
        picks = rng.sample(others, min(len(others), 26))
        state = {"page": {"id": a.number, "type": "article", "section": a.section, "url": a.path,
                          "title": a.title, "published": a.lastmod, "author": a.author, "tags": tags,
                          "body": [{"type": "paragraph", "text": p} for p in paragraphs]},
                 "related": [{"id": r.number, "title": r.title, "url": r.path} for r in picks[:16]],
                 "recommended": [{"id": r.number, "title": r.title, "url": r.path, "image": f"/img/{r.number}.jpg",
                                  "summary": prose.sentence()}
                                 for r in rng.sample(others, min(len(others), rng.randint(10, 60)))],
                 "ads": {"slots": sorted(ad_after), "targeting": {"section": a.section, "kw": tags}}}
        share = "".join(f'<a class="share share--{n}" href="https://{n}.example/share?u={url}">{n.capitalize()}</a>'
                        for n in ("facebook", "x", "linkedin", "whatsapp", "email"))
        page = (
            self._head(a.title, description, meta)
            + self._header()
            + '<main id="main" class="main"><article class="article">'
            + '<nav class="breadcrumb"><a href="/">Home</a> › '
            + f'<a href="/{a.section}/">{a.section.capitalize()}</a></nav>'
            + f"<h1>{html.escape(a.title)}</h1>"
            + f'<p class="standfirst">{prose.sentence()}</p>'
            + f'<div class="byline">By <a rel="author" href="/authors/{_slug(a.author)}">{html.escape(a.author)}</a> '
            + f'<time datetime="{a.lastmod}">{a.published:%d %B %Y, %H:%M} UTC</time></div>'
            + f'<div class="share-bar">{share}</div>'
            + f'<figure class="lead"><img src="/img/{a.number}.jpg" alt="{html.escape(caption)}" width="1200" '
            + f'height="675"><figcaption>{caption} Photo: {prose.name()}</figcaption></figure>'
            + f'<div class="article-body">{"".join(body)}</div>'
            + '<ul class="tags">' + "".join(f'<li><a href="/tag/{t}">{t}</a></li>' for t in tags) + "</ul>"
            + '<aside class="newsletter"><h3>Sign up for our newsletter</h3><p>The day\'s news from the harbour, '
            + 'every morning at 7.</p><form action="/newsletter"><input type="email" name="email">'
            + "<button>Sign up</button></form></aside>"
            + f'<section class="comments" data-article="{a.number}"><h2>Comments</h2><p>Loading...</p></section>'
            + "</article>"
            + '<aside class="sidebar">'
            + self._teaser_list("most-read", "Most read", picks[:10], summaries=False)
            + self._ad(90)
            + self._teaser_list("related", "Related", picks[10:16], summaries=True)
            + self._teaser_list("more-section", f"More from {a.section.capitalize()}", picks[16:26], summaries=False)
            + "</aside></main>"
            + self.footer
            + f"<script>window.__APP_STATE__={json.dumps(state, ensure_ascii=False)};</script>"
            + '<script>window.dataLayer=window.dataLayer||[];dataLayer.push({"event":"pageview",'
            + f'"section":"{a.section}","articleId":{a.number}}});</script></body></html>'
        )
        return page.encode("utf-8")

    def listing_page(self, title: str, picks: list[ArticleMeta]) -> bytes:
        page = (self._head(title, f"The latest news: {title}") + self._header()
                + f'<main id="main" class="main"><h1>{html.escape(title)}</h1>'
                + self._teaser_list("latest", "Latest", picks, summaries=True)
                + "</main>" + self.footer + "</body></html>")
        return page.encode("utf-8")

    # --- writing ----------------------------------------------------------------
    def write(self, out: Path, base: str) -> None:
        out.mkdir(parents=True, exist_ok=True)
        made: set[Path] = set()
        for a in self.articles:
            path = out / a.path.lstrip("/")
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            path.write_bytes(self.article_page(a))
        (out / "index.html").write_bytes(self.listing_page(SITE_NAME, self.articles[:80]))
        for section in SECTIONS:
            (out / section).mkdir(exist_ok=True)
            picks = [a for a in self.articles if a.section == section][:60]
            (out / section / "index.html").write_bytes(self.listing_page(section.capitalize(), picks))
        manifest = {"generator": GENERATOR_VERSION, "seed": self.seed, "pages": self.pages,
                    "articles": [[a.path, a.lastmod, a.title] for a in self.articles]}
        (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        write_requisites(out, self.css, self.js, [a.number for a in self.articles])
        write_discovery(out, base)


# A 1x1 PNG: the bytes of every image of the site (page requisites cost their requests, not their size).
PIXEL = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                      "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f1b0a10000000049454e44ae426082")


def write_requisites(out: Path, css: str, js: str, numbers: list[int]) -> None:
    """What the pages need to render: the stylesheet and logo every page shares, the ads
    script, and each article's lead image and teaser thumbnail."""
    (out / "static").mkdir(exist_ok=True)
    (out / "static" / "site.css").write_text(css + ".logo-img{background:url(/static/logo.png)}", encoding="utf-8")
    (out / "static" / "logo.png").write_bytes(PIXEL)
    (out / "static" / "ads.js").write_text(js, encoding="utf-8")
    (out / "img").mkdir(exist_ok=True)
    for number in numbers:
        (out / "img" / f"{number}.jpg").write_bytes(PIXEL)
        (out / "img" / f"{number}-thumb.jpg").write_bytes(PIXEL)


def write_discovery(out: Path, base: str) -> None:
    """robots.txt, the sitemap index with its children, and the RSS feed, naming the site by ``base``."""
    base = base.rstrip("/")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    articles = manifest["articles"]
    (out / "robots.txt").write_text(f"User-agent: *\nDisallow: /search\nDisallow: /login\n\n"
                                    f"Sitemap: {base}/sitemap.xml\n", encoding="utf-8")
    by_month: dict[str, list] = {}
    for entry in articles:
        by_month.setdefault(entry[1][:7], []).append(entry)
    sitemaps_dir = out / "sitemaps"
    sitemaps_dir.mkdir(exist_ok=True)
    for old in sitemaps_dir.glob("*.xml"):
        old.unlink()
    children = []
    for month, entries in sorted(by_month.items(), reverse=True):
        for part, start in enumerate(range(0, len(entries), SITEMAP_MAX_URLS)):
            name = f"{month}.xml" if part == 0 else f"{month}-{part + 1}.xml"
            urls = "".join(f"<url><loc>{base}{html.escape(path)}</loc><lastmod>{lastmod}</lastmod></url>\n"
                           for path, lastmod, _ in entries[start:start + SITEMAP_MAX_URLS])
            (sitemaps_dir / name).write_text(
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n', encoding="utf-8")
            children.append((name, max(e[1] for e in entries[start:start + SITEMAP_MAX_URLS])))
    # not in the index: an empty crawl measures the crawler's start-up and shutdown (benchmarks/crawl.py)
    (out / "empty-sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n</urlset>\n', encoding="utf-8")
    index = "".join(f"<sitemap><loc>{base}/sitemaps/{name}</loc><lastmod>{lastmod}</lastmod></sitemap>\n"
                    for name, lastmod in children)
    (out / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{index}</sitemapindex>\n',
        encoding="utf-8")
    items = []
    for path, lastmod, title in articles[:FEED_ITEMS]:
        when = dt.datetime.fromisoformat(lastmod.replace("Z", "+00:00"))
        items.append(f"<item><title>{html.escape(title)}</title><link>{base}{html.escape(path)}</link>"
                     f'<guid isPermaLink="true">{base}{html.escape(path)}</guid>'
                     f"<pubDate>{when:%a, %d %b %Y %H:%M:%S} +0000</pubDate></item>\n")
    (out / "feed.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{SITE_NAME}</title><link>{base}/</link><description>The latest news</description>\n"
        f'{"".join(items)}</channel></rss>\n', encoding="utf-8")


def is_generated(out: Path, pages: int, seed: int) -> bool:
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (manifest.get("generator"), manifest.get("seed"), manifest.get("pages")) == (GENERATOR_VERSION, seed,
                                                                                          pages)


def generate(out: Path, pages: int, seed: int = DEFAULT_SEED, base: str = "http://127.0.0.1:8080") -> None:
    SiteGenerator(pages, seed).write(Path(out), base)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="article pages (default 2000)")
    parser.add_argument("--out", required=True, type=Path, help="directory to write the site into")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--base", default="http://127.0.0.1:8080", help="origin named in sitemaps, feed, robots.txt")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    generate(args.out, args.pages, args.seed, args.base)
    size = sum(f.stat().st_size for f in args.out.rglob("*") if f.is_file())
    print(f"{args.pages} articles, {size / 1e6:.0f} MB in {args.out} ({time.perf_counter() - started:.1f} s)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

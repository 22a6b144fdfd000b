"""The wall pages the wall tests share: saved challenge and consent pages
(``walls_data/``) and a paywall stub written for the project."""

from __future__ import annotations

import json
from pathlib import Path

from tests.localsite import PARAGRAPHS, article_html

DATA = Path(__file__).parent / "walls_data"


def page(name: str) -> bytes:
    return (DATA / name).read_bytes()


def with_json_ld(html: str, **fields) -> str:
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": "A story", **fields})
    return html.replace("</head>", f'<script type="application/ld+json">{ld}</script></head>', 1)


def stub_html(**fields) -> str:
    """What a paywalled article shows without a subscription: two paragraphs and an offer."""
    html = article_html("Harbour deal signed", PARAGRAPHS[:2], junk=False)
    html = html.replace("</article>", "<div class='offer'><p>Subscribe to continue reading.</p></div></article>")
    return with_json_ld(html, **fields)

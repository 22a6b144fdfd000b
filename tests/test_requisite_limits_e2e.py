"""What a page's requisites may not do: pull thousands of images, reach a private
address, or go where robots.txt forbids (unless ARCHIVE_REQUISITES_ROBOTS is off)."""

from __future__ import annotations

import pytest

from tests.conftest import keep_archive, run_crawl, run_stats
from tests.localsite import PARAGRAPHS, LocalSite, Route
from tests.requisitesite import png

pytestmark = pytest.mark.e2e

HTML = "text/html; charset=utf-8"
IMAGES = 5000
LIMIT = 40
MAXSIZE = 30_000  # the second crawl's DOWNLOAD_MAXSIZE: above its page, below /img/big.png


def page(title: str, body: str) -> bytes:
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body><article><h1>{title}</h1>{paragraphs}{body}<a href="http://localhost:1/elsewhere">a link</a></article>
</body></html>""".encode()


@pytest.fixture(scope="module")
def site():
    local = LocalSite()
    images = "".join(f'<img src="/many/{n}.png">' for n in range(IMAGES))
    local.routes["/news/many"] = Route(headers=[("Content-Type", HTML)], body=page("Five thousand images", images))
    # localhost is loopback, and not a host the crawl started on: the private-address guard
    local.routes["/news/guarded"] = Route(headers=[("Content-Type", HTML)], body=page(
        "Requisites out of bounds",
        f'<img src="http://localhost:{local.port}/img/private.png"><img src="/private/hidden.png">'
        '<img src="/img/allowed.png"><img src="/img/big.png">'))
    image = [("Content-Type", "image/png")]
    local.prefix_routes.append(("/many/", Route(headers=image, body=png(4, 4, 1))))
    for path in ("/img/private.png", "/private/hidden.png", "/img/allowed.png"):
        local.routes[path] = Route(headers=image, body=png(4, 4, 2))
    local.routes["/img/big.png"] = Route(headers=image, body=png(200, 100, 3))  # ~60 KB
    local.start()
    yield local
    local.stop()


@pytest.fixture(scope="module")
def crawls(site, tmp_path_factory):
    archive = tmp_path_factory.mktemp("requisite-limits") / "archive"
    urls = "urls=" + ",".join(site.url(p) for p in ("/news/many", "/news/guarded"))
    before = len(site.requests)
    first = run_crawl(archive, urls, extra=("-s", f"ARCHIVE_REQUISITES_MAX_PER_PAGE={LIMIT}"))
    first_requests = [r.path for r in site.requests[before:]]
    assert first.returncode == 0, first.stderr[-3000:]
    stats = run_stats(archive)
    other = tmp_path_factory.mktemp("requisite-no-robots") / "archive"
    before = len(site.requests)
    second = run_crawl(other, "urls=" + site.url("/news/guarded"),
                       extra=("-s", "ARCHIVE_REQUISITES_ROBOTS=False", "-s", f"DOWNLOAD_MAXSIZE={MAXSIZE}"))
    assert second.returncode == 0, second.stderr[-3000:]
    keep_archive(archive)
    return {"first": first_requests, "stats": stats, "second": [r.path for r in site.requests[before:]],
            "second_stats": run_stats(other)}


def test_a_page_with_5000_images_archives_at_most_the_limit_and_says_so(crawls):
    fetched = [p for p in crawls["first"] if p.startswith("/many/")]
    assert len(fetched) == LIMIT
    stats = crawls["stats"]
    assert stats["requisites/limited/count"] == IMAGES - LIMIT
    assert stats["requisites/fetched"] == LIMIT + 2  # and /img/allowed.png, /img/big.png


def test_a_requisite_on_a_private_address_is_not_fetched(crawls):
    assert "/img/private.png" not in crawls["first"] and "/img/private.png" not in crawls["second"]
    assert crawls["stats"]["requisites/ignored/private_address"] == 1


def test_a_requisite_robots_txt_disallows_is_not_fetched_unless_robots_are_ignored_for_requisites(crawls):
    assert "/private/hidden.png" not in crawls["first"]
    assert crawls["stats"]["requisites/ignored/robots"] == 1
    assert "/private/hidden.png" in crawls["second"]
    assert crawls["second_stats"]["requisites/fetched"] == 2


def test_a_requisite_over_download_maxsize_is_cut_and_counted_as_failed(crawls):
    stats = crawls["second_stats"]
    assert "/img/big.png" in crawls["second"]
    assert stats["requisites/failed"] == 1 and stats["requisites/failed/DownloadCancelledError"] == 1
    assert stats["warc/truncated/length"] == 1  # what arrived is archived, marked


def test_requisite_trouble_is_not_an_error_of_the_run(crawls):
    stats = crawls["stats"]
    assert not any(key.startswith("crawl/failed/") for key in stats)
    assert stats["store/articles"] == 2

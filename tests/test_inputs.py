"""Spider arguments: parsing, and the clear error `scrapy crawl` gives for bad ones."""

from __future__ import annotations

import pytest

from crawler.discovery.inputs import InvalidSpiderInput, allowed_hosts, parse_url_arguments
from tests.conftest import run_crawl


def test_urls_and_urls_file_are_merged_in_order_without_repeats(tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_text(
        "# tonight's list\n\nhttps://b.example/2  # second\nhttps://a.example/1\n"
        "https://b.example/2#section\n   \n",
        encoding="utf-8",
    )
    urls = parse_url_arguments("https://a.example/1, https://c.example/3", str(listing))
    assert urls == [
        "https://a.example/1", "https://c.example/3", "https://b.example/2",
        "https://b.example/2#section",
    ]
    assert allowed_hosts(urls) == ["a.example", "b.example", "c.example"]


@pytest.mark.parametrize("bad", ["ftp://x.example/a", "example.com/a", "http://", "http://x.example:99999/",
                                 "file:///etc/passwd", "http://x .example/"])
def test_malformed_urls_are_refused(bad):
    with pytest.raises(InvalidSpiderInput, match="URL"):
        parse_url_arguments(bad)


def test_bad_line_in_urls_file_names_file_and_line(tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_text("https://a.example/1\nnot a url\n", encoding="utf-8")
    with pytest.raises(InvalidSpiderInput, match=r"urls\.txt:2"):
        parse_url_arguments(None, str(listing))


def test_missing_arguments_are_refused():
    with pytest.raises(InvalidSpiderInput, match="-a urls="):
        parse_url_arguments(None, None)


def test_unreadable_urls_file(tmp_path):
    with pytest.raises(InvalidSpiderInput, match="cannot read urls_file"):
        parse_url_arguments(None, str(tmp_path / "missing.txt"))


@pytest.mark.e2e
@pytest.mark.parametrize("args, message", [
    ((), "give article URLs with -a urls="),
    (("urls=notaurl",), "not an http(s) URL"),
])
def test_scrapy_crawl_exits_non_zero_with_a_clear_error(tmp_path, args, message):
    result = run_crawl(tmp_path / "archive", *args)
    assert result.returncode == 2
    assert f"error: {message}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "archive" / "warc").exists()

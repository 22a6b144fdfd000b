"""Netscape cookies.txt files (crawler/discovery/cookies.py) and the cookies middleware's jars."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.discovery.cookies import CookiesFileError, load_cookies
from crawler.middlewares.cookies import CookiesFileMiddleware
from crawler.spiders.article import ArticleSpider
from tests.components import project_crawler

EXPORTED = (
    "# Netscape HTTP Cookie File\r\n"
    "# https://curl.se/docs/http-cookies.html\r\n"
    "\r\n"
    ".news.example.com\tTRUE\t/\tFALSE\t4102444800\tsession\tabc123\r\n"
    "#HttpOnly_news.example.com\tFALSE\t/\tTRUE\t0\tauth\tsecret\r\n"
    "news.example.com\tFALSE\t/members\tFALSE\t4102444800\tpath_only\tp\r\n"
    "news.example.com\tFALSE\t/\tFALSE\t946684800\texpired\told\r\n"
    "news.example.com\tFALSE\t/\tFALSE\t4102444800\tempty\t\r\n"
)


def test_an_exported_file_is_read_as_a_browser_would_send_it(tmp_path):
    path = tmp_path / "cookies.txt"
    path.write_text(EXPORTED, encoding="utf-8")
    cookies = {cookie.name: cookie for cookie in load_cookies(path)}
    assert sorted(cookies) == ["auth", "empty", "path_only", "session"]  # the expired one is left out
    assert cookies["session"].domain == ".news.example.com" and cookies["session"].expires == 4102444800
    assert cookies["auth"].secure and cookies["auth"].discard and cookies["auth"].has_nonstandard_attr("HttpOnly")
    assert cookies["path_only"].path == "/members" and cookies["empty"].value == ""


@pytest.mark.parametrize("line, message", [
    ("news.example.com\tFALSE\t/", r"cookies\.txt:1: expected 7 tab-separated fields"),
    ("news.example.com\tFALSE\t/\tFALSE\tnever\tname\tvalue", r"cookies\.txt:1: the expiry must be Unix seconds"),
    ("\tFALSE\t/\tFALSE\t0\tname\tvalue", r"cookies\.txt:1: a cookie needs a domain and a name"),
])
def test_malformed_lines_are_named(tmp_path, line, message):
    path = tmp_path / "cookies.txt"
    path.write_text(line + "\n")
    with pytest.raises(CookiesFileError, match=message):
        load_cookies(path)


def test_the_middleware_fills_the_default_jar_and_the_sites_jars(tmp_path):
    single, members = tmp_path / "single.txt", tmp_path / "members.txt"
    single.write_text("news.example.com\tFALSE\t/\tFALSE\t0\tsingle\t1\n")
    members.write_text("news.example.com\tFALSE\t/\tFALSE\t0\tmember\t2\n")
    crawler = project_crawler(tmp_path / "archive", ARCHIVE_COOKIES_FILE=str(single))
    spider = ArticleSpider.from_crawler(crawler, urls="https://news.example.com/a")
    spider.cookie_files = {"members": str(members)}
    middleware = CookiesFileMiddleware.from_crawler(crawler)
    middleware.spider_opened(spider)
    default, site = Request("https://news.example.com/a"), Request("https://news.example.com/b",
                                                                   meta={"cookiejar": "members"})
    for request in (default, site):
        middleware.process_request(request)
    assert default.headers[b"Cookie"] == b"single=1" and site.headers[b"Cookie"] == b"member=2"
    # Scrapy's behaviour is kept: Set-Cookie updates the jar
    middleware.process_response(site, HtmlResponse(site.url, headers={"Set-Cookie": "fresh=3; Path=/"}, body=b""))
    again = Request("https://news.example.com/c", meta={"cookiejar": "members"})
    middleware.process_request(again)
    assert again.headers[b"Cookie"] in (b"member=2; fresh=3", b"fresh=3; member=2")
    assert crawler.stats.get_value("cookies/loaded") == 2

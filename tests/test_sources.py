"""crawler.discovery.sources: loading and validating the sources file, and the example sources.toml."""

from __future__ import annotations

import datetime
import logging
import re
from pathlib import Path

import pytest

from crawler.discovery.sources import SourcesError, SourceSite, distributed_settings, load_sources, select

REPO = Path(__file__).resolve().parent.parent

MINIMAL = """
[sites.example]
feeds = ["https://news.example.com/rss"]
"""

FULL = r"""
[sites.full]
allowed_domains = ["www.example.com", "example.com"]
sitemaps = ["https://www.example.com/robots.txt", "https://cdn.example.net/sitemap_news.xml"]
feeds = ["https://www.example.com/rss/news"]
start_urls = ["https://www.example.com/", "https://www.example.com/news"]
follow = ['^https://www\.example\.com/(news|\d{4})/']
deny = ['/tag/', '/author/']
article_pattern = '/\d{4}/\d{2}/\d{2}/'
depth = 2
crawl_delay = 1.5
since = "2024-01-01"

[sites.full.extract]
prune_xpaths = ["//div[contains(@class,'related')]"]
junk_patterns = ['^Route 6$']
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load_one(tmp_path: Path, text: str) -> SourceSite:
    (site,) = load_sources(write(tmp_path, text))
    return site


def test_full_site(tmp_path):
    site = load_one(tmp_path, FULL)
    assert site.name == "full"
    assert site.allowed_domains == ("www.example.com", "example.com")
    assert site.sitemaps == ("https://www.example.com/robots.txt", "https://cdn.example.net/sitemap_news.xml")
    assert site.feeds == ("https://www.example.com/rss/news",)
    assert site.start_urls == ("https://www.example.com/", "https://www.example.com/news")
    assert [pattern.pattern for pattern in site.follow] == [r"^https://www\.example\.com/(news|\d{4})/"]
    assert [pattern.pattern for pattern in site.deny] == ["/tag/", "/author/"]
    assert site.article_pattern is not None and site.article_pattern.search("https://www.example.com/2024/01/05/x")
    assert site.depth == 2
    assert site.crawl_delay == 1.5
    assert site.since == datetime.date(2024, 1, 1)
    assert site.prune_xpaths == ("//div[contains(@class,'related')]",)
    assert [pattern.pattern for pattern in site.junk_patterns] == ["^Route 6$"]


def test_defaults(tmp_path):
    site = load_one(tmp_path, MINIMAL)
    assert site == SourceSite(name="example", allowed_domains=("news.example.com",),
                              feeds=("https://news.example.com/rss",))
    assert site.depth == 1 and site.crawl_delay == 0.0 and site.since is None and site.article_pattern is None


def test_allowed_domains_default_to_the_hosts_of_all_urls(tmp_path):
    site = load_one(tmp_path, """
[sites.s]
sitemaps = ["https://WWW.Example.com/sitemap.xml", "https://cdn.example.net/s.xml"]
feeds = ["https://www.example.com/rss"]
start_urls = ["https://m.example.com/"]
""")
    assert site.allowed_domains == ("www.example.com", "cdn.example.net", "m.example.com")


def test_allows_and_is_allowed_domain(tmp_path):
    site = load_one(tmp_path, FULL)
    assert site.allows("https://www.example.com/news/politics")
    assert site.allows("https://www.example.com/2024/01/05/story")
    assert not site.allows("https://www.example.com/about")  # matches no follow pattern
    assert not site.allows("https://www.example.com/news/tag/budget")  # follow, but denied
    open_site = load_one(tmp_path, MINIMAL + "deny = ['/tag/']\n")
    assert open_site.allows("https://news.example.com/anything")
    assert not open_site.allows("https://news.example.com/tag/x")
    assert site.is_allowed_domain("https://sub.example.com/x")
    assert not site.is_allowed_domain("https://badexample.com/x")


def test_since_as_a_toml_date(tmp_path):
    assert load_one(tmp_path, MINIMAL + "since = 2023-06-30\n").since == datetime.date(2023, 6, 30)


def test_select(tmp_path):
    sites = load_sources(write(tmp_path, MINIMAL + FULL))
    assert select(sites, None) == sites
    assert [site.name for site in select(sites, "full")] == ["full"]
    with pytest.raises(SourcesError, match=r"unknown site 'nope'; the sources file has: example, full"):
        select(sites, "nope")


def test_start_url_outside_allowed_domains_is_warned_about(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="crawler.discovery.sources"):
        load_one(tmp_path, MINIMAL + 'allowed_domains = ["news.example.com"]\nstart_urls = ["https://other.org/"]\n')
    assert "https://other.org/ is outside allowed_domains" in caplog.text


def test_the_example_sources_file_loads():
    sites = load_sources(REPO / "sources.toml")
    names = [site.name for site in sites]
    assert len(sites) >= 3 and "moscowtimes" in names and "trtworld" in names
    moscow = select(sites, "moscowtimes")[0]
    assert moscow.article_pattern is not None
    assert moscow.article_pattern.search("https://www.themoscowtimes.com/2024/01/05/some-story-a83624")
    assert not moscow.article_pattern.search("https://www.themoscowtimes.com/news")
    assert moscow.allows("https://www.themoscowtimes.com/2024/01/05/some-story-a83624")
    assert not moscow.allows("https://www.themoscowtimes.com/tag/russia")
    for site in sites:
        for url in site.sitemaps + site.feeds + site.start_urls:
            assert site.is_allowed_domain(url), (site.name, url)


# --- errors: each names the file, the site and the key

@pytest.mark.parametrize(("text", "message"), [
    (MINIMAL + "delay = 1\n", r"\[sites\.example\] delay: unknown key; known keys are: allowed_domains"),
    (MINIMAL + "[sites.example.extract]\nprune = []\n", r"\[sites\.example\] extract\.prune: unknown key"),
    (MINIMAL + "extract = 3\n", r"\[sites\.example\] extract: must be a table"),
    (MINIMAL + 'start_urls = "https://news.example.com/"\n',
     r"\[sites\.example\] start_urls: must be a list of strings, not a string"),
    (MINIMAL + "deny = ['/tag/', 3]\n", r"\[sites\.example\] deny: must be a list of strings; item 2 is an integer"),
    (MINIMAL + "follow = ['']\n", r"\[sites\.example\] follow: contains an empty string"),
    (MINIMAL + "depth = 1.5\n", r"\[sites\.example\] depth: must be an integer, not a number"),
    (MINIMAL + "depth = true\n", r"\[sites\.example\] depth: must be an integer, not a boolean"),
    (MINIMAL + "depth = -1\n", r"\[sites\.example\] depth: must be a finite number, not negative: -1"),
    (MINIMAL + 'crawl_delay = "1s"\n', r"\[sites\.example\] crawl_delay: must be a number, not a string"),
    (MINIMAL + "crawl_delay = inf\n", r"\[sites\.example\] crawl_delay: must be a finite number"),
    (MINIMAL + 'since = "last week"\n', r"\[sites\.example\] since: must be a date like 2024-01-31, not 'last week'"),
    (MINIMAL + "since = 2024-01-01T10:00:00\n", r"\[sites\.example\] since: must be a date \(2024-01-31\), not a date"),
    (MINIMAL + "follow = ['(unclosed']\n", r"\[sites\.example\] follow: bad regular expression '\(unclosed'"),
    (MINIMAL + "deny = ['*bad']\n", r"\[sites\.example\] deny: bad regular expression"),
    (MINIMAL + "article_pattern = '[0-9'\n", r"\[sites\.example\] article_pattern: bad regular expression"),
    (MINIMAL + "article_pattern = ['/\\d+/']\n", r"\[sites\.example\] article_pattern: must be a non-empty string"),
    (MINIMAL + "[sites.example.extract]\njunk_patterns = ['(?P<x']\n",
     r"\[sites\.example\] extract\.junk_patterns: bad regular expression"),
    (MINIMAL + "[sites.example.extract]\nprune_xpaths = ['//div[']\n",
     r"\[sites\.example\] extract\.prune_xpaths: bad XPath '//div\['"),
    (MINIMAL + 'sitemaps = ["ftp://news.example.com/sitemap.xml"]\n',
     r"\[sites\.example\] sitemaps: not an absolute http\(s\) URL: 'ftp://news\.example\.com/sitemap\.xml'"),
    (MINIMAL + 'start_urls = ["/news"]\n', r"\[sites\.example\] start_urls: not an absolute http\(s\) URL: '/news'"),
    ('[sites.example]\nfeeds = ["news.example.com/rss"]\n', r"\[sites\.example\] feeds: not an absolute http\(s\) URL"),
    (MINIMAL + 'allowed_domains = ["https://news.example.com/"]\n',
     r"\[sites\.example\] allowed_domains: not a lower-case host name"),
    ("[sites.example]\ndepth = 2\n",
     r"\[sites\.example\]: no way to discover articles: give sitemaps, feeds or start_urls"),
    ('[sites.example]\nsitemaps = []\nfeeds = []\nstart_urls = []\n', r"\[sites\.example\]: no way to discover"),
    ("[sites]\nexample = 3\n", r"\[sites\.example\]: must be a table, not an integer"),
    ('[sites."my site"]\nfeeds = ["https://e.com/rss"]\n', r"\[sites\.my site\]: a site name must be letters"),
    (MINIMAL + '[sites.Example]\nfeeds = ["https://e.com/rss"]\n', r"duplicate site name 'Example' \(also 'example'\)"),
    (MINIMAL + MINIMAL, r"not valid TOML: Cannot declare \('sites', 'example'\) twice"),
    ("[sites.example\nfeeds = 1\n", r"not valid TOML"),
    ("", r"no sites; add at least one \[sites\.NAME\] table"),
    ("[sites]\n", r"no sites"),
    ('[site.example]\nfeeds = ["https://e.com/rss"]\n', r"unknown top-level key\(s\) 'site'"),
    (MINIMAL + 'proxy = "ftp://proxy.example:21"\n', r"\[sites\.example\] proxy: must be a proxy URL: http://"),
    (MINIMAL + 'proxy = "socks5://:1080"\n', r"\[sites\.example\] proxy: must be a proxy URL"),
    (MINIMAL + 'proxy = "http://proxy.example:port"\n', r"\[sites\.example\] proxy: must be a proxy URL"),
    (MINIMAL + "proxy = 8080\n", r"\[sites\.example\] proxy: must be a proxy URL"),
    (MINIMAL + 'cookies_file = "missing.txt"\n',
     r"\[sites\.example\] cookies_file: .*missing\.txt: cannot read the cookies file"),
    (MINIMAL + "cookies_file = 1\n", r"\[sites\.example\] cookies_file: must be the path of a cookies\.txt file"),
])
def test_errors_name_the_file_site_and_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(SourcesError, match=message) as error:
        load_sources(path)
    assert str(error.value).startswith(f"{path}: ")


def test_a_sites_proxy_and_cookies_file(tmp_path):
    (tmp_path / "cookies").mkdir()
    (tmp_path / "cookies" / "members.txt").write_text(".example.com\tTRUE\t/\tFALSE\t0\tsession\tabc\n")
    site = load_one(tmp_path, MINIMAL + 'proxy = "socks5h://user:p%40ss@proxy.internal:1080"\n'
                                        'cookies_file = "cookies/members.txt"\n')
    assert site.proxy == "socks5h://user:p%40ss@proxy.internal:1080"
    assert site.cookies_file == str((tmp_path / "cookies" / "members.txt").resolve())  # beside the sources file


def test_a_malformed_cookies_file_is_named_with_its_line(tmp_path):
    (tmp_path / "c.txt").write_text("# Netscape HTTP Cookie File\n.example.com\tTRUE\t/\tFALSE\tsoon\tsession\tabc\n")
    with pytest.raises(SourcesError, match=r"cookies_file: .*c\.txt:2: the expiry must be Unix seconds, not 'soon'"):
        load_one(tmp_path, MINIMAL + 'cookies_file = "c.txt"\n')


def test_missing_file(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(SourcesError, match=re.escape(f"{missing}: cannot read the sources file")):
        load_sources(missing)


def test_distributed_table_becomes_settings(tmp_path):
    path = write(tmp_path, '[distributed]\nenabled = true\nredis_url = "redis://10.0.0.5:6379/1"\nidle_exit = 30\n'
                 + MINIMAL)
    load_sources(path)  # the table is allowed beside the sites
    assert distributed_settings(path) == {"DISTRIBUTED": True, "REDIS_URL": "redis://10.0.0.5:6379/1",
                                          "DISTRIBUTED_IDLE_EXIT": 30}
    assert distributed_settings(write(tmp_path, MINIMAL)) == {}


@pytest.mark.parametrize("table, message", [
    ("enabled = 1", "enabled has the wrong type"),
    ("redis = 'x'", "unknown key 'redis'"),
    ("idle_exit = true", "idle_exit has the wrong type"),
])
def test_distributed_table_is_checked(tmp_path, table, message):
    with pytest.raises(SourcesError, match=message):
        load_sources(write(tmp_path, f"[distributed]\n{table}\n{MINIMAL}"))


def test_sources_file_switches_scrapy_crawl_to_distributed(tmp_path):
    from scrapy.settings import Settings

    from crawler.commands.crawl import apply_argument_settings
    from crawler.spiders.sources import SourcesSpider

    settings = Settings({"REDIS_URL": "redis://from-command-line/0"}, priority="cmdline")
    path = write(tmp_path, '[distributed]\nenabled = true\nredis_url = "redis://from-file/0"\n' + MINIMAL)
    apply_argument_settings(settings, SourcesSpider, {"config": str(path)})
    assert settings.getbool("DISTRIBUTED") is True
    assert settings.get("REDIS_URL") == "redis://from-command-line/0"  # -s wins over the file

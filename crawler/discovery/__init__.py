"""Finding articles: parsers for sitemaps, feeds, pages and the sources file.

Pure functions over bytes and files, no Scrapy and no network I/O, so the spiders stay thin and every
parser can be unit-tested on hostile input. Import the submodules directly (``crawler.discovery.sitemaps``,
``.feeds``, ``.pages``, ``.sources``): nothing is re-exported here, so loading the sources file does not
import lxml or feedparser.
"""

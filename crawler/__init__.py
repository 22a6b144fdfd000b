"""news-archive-crawler: the Scrapy project."""

__version__ = "0.1.0"

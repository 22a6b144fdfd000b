"""The two stages of the design card, pure Python: extraction (clean text) and storage
(WARC, catalog, text files). The Scrapy item pipelines that drive them are crawler/stages.py."""

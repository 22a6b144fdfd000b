"""The extraction stage (no Scrapy imports): clean text and metadata from a page
(``extract``), the junk rules (``junk``), per-site rules (``site_rules``), learned site
furniture (``site_lines``), story fingerprints and linking (``stories``), and the worker
processes that run it all off the crawl's reactor thread (``pool``, ``worker``)."""

"""Raw exchange capture: what the server said, before Scrapy changes it."""

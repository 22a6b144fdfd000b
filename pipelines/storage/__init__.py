"""The storage stage (no Scrapy imports): WARC records and files (``blocks``, ``records``,
``warc``, ``recovery``), the catalog with every table (``catalog``, ``schema`` and the
table gateways), the clean text files (``texts``), revision decisions (``revisions``) and
every path under ARCHIVE_DIR (``layout``)."""

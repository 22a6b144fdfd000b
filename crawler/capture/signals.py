"""Signals of the capture layer."""

# Sent by the download handler for every exchange that got a status line:
# handler(exchange: wire.RawExchange, request: scrapy.Request, spider).
exchange_captured = object()

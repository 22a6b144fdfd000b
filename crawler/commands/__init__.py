"""Project commands (COMMANDS_MODULE): they start with ``scrapy``."""

"""Secrets passed as settings never reach the log."""

from __future__ import annotations

from crawler.redaction import redact
from tests.conftest import run_crawl


def test_secret_settings_and_url_passwords_are_masked():
    text = ("{'AWS_ACCESS_KEY_ID': 'AKIA1', 'AWS_SECRET_ACCESS_KEY': 's3cr3t', 'DOWNLOAD_DELAY': '2',\n"
            " 'REDIS_URL': 'redis://:hunter2@db:6379/0', 'USER_AGENT': 'bot (https://x.example/about)'}")
    masked = redact(text)
    assert "AKIA1" not in masked and "s3cr3t" not in masked and "hunter2" not in masked
    assert "'DOWNLOAD_DELAY': '2'" in masked and "https://x.example/about" in masked
    assert "redis://:***@db:6379/0" in masked


def test_a_crawl_does_not_log_secret_settings(tmp_path):
    result = run_crawl(tmp_path / "archive", "urls=http://127.0.0.1:9/nothing-listens",
                       extra=("-s", "AWS_SECRET_ACCESS_KEY=top-secret-value", "-s", "AWS_ACCESS_KEY_ID=AKIAEXAMPLE",
                              "-s", "RETRY_ENABLED=False"))
    assert "Overridden settings" in result.stderr  # the line is there...
    assert "'AWS_SECRET_ACCESS_KEY': '***'" in result.stderr  # ...with the values masked
    assert "top-secret-value" not in result.stderr and "AKIAEXAMPLE" not in result.stderr

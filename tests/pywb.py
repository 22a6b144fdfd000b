"""Replay WARC files in a real pywb, from its own virtualenv (PYWB_VENV, made by `make test`)."""

from __future__ import annotations

import contextlib
import gzip
import http.client
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.waiting import free_port, wait_for_port

REPO = Path(__file__).resolve().parent.parent


def pywb_bin() -> Path:
    venv = Path(os.environ.get("PYWB_VENV", REPO / ".venv-pywb"))
    if not (venv / "bin" / "wayback").exists():
        pytest.skip(f"pywb is not installed in {venv} (make test installs it)")
    return venv / "bin"


class Replay:
    def __init__(self, port: int, collection: str):
        self.port, self.collection = port, collection

    def get(self, timestamp: str, url: str, mode: str = "id_") -> tuple[int, dict[str, str], bytes]:
        """One replay request; redirects are returned as they were archived, not followed."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", f"/{self.collection}/{timestamp}{mode}/{url}",
                               headers={"Accept-Encoding": "identity"})
            response = connection.getresponse()
            status, body = response.status, response.read()
            headers = {k.lower(): v for k, v in response.getheaders()}
        finally:
            connection.close()
        if headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        return status, headers, body


@contextlib.contextmanager
def pywb_replay(warc_files: list[Path], collection: str = "news"):
    """pywb serving ``warc_files`` on 127.0.0.1; stopped on exit."""
    bins = pywb_bin()
    workdir = Path(tempfile.mkdtemp(prefix="pywb-"))
    process = None
    try:
        subprocess.run([bins / "wb-manager", "init", collection], cwd=workdir, check=True,
                       capture_output=True, timeout=120)
        subprocess.run([bins / "wb-manager", "add", collection, *map(str, warc_files)], cwd=workdir,
                       check=True, capture_output=True, timeout=300)
        port = free_port()
        process = subprocess.Popen([bins / "wayback", "-p", str(port), "-b", "127.0.0.1"], cwd=workdir,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in process.stdout:  # ends at EOF if the server dies
            if "Starting Gevent Server" in line:
                break
        # the log line comes just before the socket listens
        wait_for_port(port, alive=lambda: process.poll() is None)
        yield Replay(port, collection)
    finally:
        if process is not None:
            process.terminate()
            process.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)

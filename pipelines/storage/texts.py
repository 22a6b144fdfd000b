"""The clean text files: ``text/HOST/YYYY/MM/DD/URLHASH-hhmmss.txt`` and its ``.json``
sidecar (paths from ``layout``), written atomically (no Scrapy imports)."""

from __future__ import annotations

import json
import os
from pathlib import Path


def render_text(title: str | None, body: str) -> str:
    """The text file format: the title, a blank line, then the paragraphs
    separated by blank lines; UTF-8, ending with one newline."""
    parts = [title.strip()] if title and title.strip() else []
    parts.append(body.strip())
    return "\n\n".join(parts) + "\n"


def write_atomically(path: str | os.PathLike, data: bytes) -> None:
    path = os.fspath(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as out:
        out.write(data)
    os.replace(tmp, path)


def sidecar_path(text_path: str | os.PathLike) -> Path:
    return Path(text_path).with_suffix(".json")


def write_sidecar(text_path: str | os.PathLike, metadata: dict) -> None:
    write_atomically(sidecar_path(text_path), json.dumps(metadata, ensure_ascii=False, indent=2).encode("utf-8"))

"""The review tools that live in their own virtualenv (REPLAY_VENV): pywb,
cdxj-indexer and wacz. They are run as programs, never imported: pywb pins an
old redis and pulls brotlipy, which would break the crawler's environment."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from scrapy.exceptions import UsageError


def tool(venv: str, name: str) -> str:
    path = Path(venv) / "bin" / name
    if not path.exists():
        raise UsageError(f"{name} is not installed in {venv}: run `make install-review`")
    return str(path)


def closed_warcs(warc_dir: str | os.PathLike) -> list[Path]:
    """The archive's finished WARC files (``*.warc.gz``; never the ``.open`` ones)."""
    directory = Path(warc_dir)
    return sorted(directory.glob("*.warc.gz")) if directory.is_dir() else []


def run_tool(args: list[str], what: str, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise UsageError(f"{what} failed ({result.returncode}): {(result.stderr or result.stdout).strip()[-800:]}")
    return result


def build_cdxj(venv: str, files: list[Path], output: str | os.PathLike, *, dir_root: str | os.PathLike) -> Path:
    """A sorted CDXJ index of ``files``, file names relative to ``dir_root`` (as pywb resolves them)."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    run_tool([tool(venv, "cdxj-indexer"), "--sort", "--dir-root", str(dir_root), "-o", str(tmp),
              *map(str, files)], "cdxj-indexer")
    os.replace(tmp, output)
    return output


PYWB_CONFIG = """# Written by `scrapy replay` (pywb reads ./config.yaml; without one it warns at start).
# Collections live in ./collections; the archive's WARC folder is linked as COLLECTION/archive.
# Frameless replay: /COLLECTION/TIMESTAMP/URL is the page with pywb's banner inserted;
# /COLLECTION/TIMESTAMPmp_/URL is the page alone.
framed_replay: false
"""


def prepare_pywb_root(root: Path, collection: str, warc_dir: Path) -> Path:
    """``ROOT/collections/COLLECTION/archive`` points at the archive's WARC folder; ``ROOT/config.yaml``."""
    root.mkdir(parents=True, exist_ok=True)
    config = root / "config.yaml"
    if not config.exists():
        config.write_text(PYWB_CONFIG, encoding="utf-8")
    coll = root / "collections" / collection
    (coll / "indexes").mkdir(parents=True, exist_ok=True)
    archive = coll / "archive"
    target = warc_dir.resolve()
    if archive.is_symlink() and archive.resolve() != target:
        archive.unlink()
    if not archive.exists():
        archive.symlink_to(target, target_is_directory=True)
    return coll

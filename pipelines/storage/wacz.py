"""Checking a WACZ package (no Scrapy imports): every WARC inside verified as
``checks.verify_file`` does, every ``datapackage.json`` resource present with its
digest and size, and ``pages/pages.jsonl`` well formed (a header line, then one page
with ``url`` and ``ts`` a line)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field

from .checks import verify_file


@dataclass
class WaczReport:
    path: str
    warcs: int = 0
    records: int = 0
    pages: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _digest(package: zipfile.ZipFile, name: str, algorithm: str) -> tuple[str, int]:
    digest, size = hashlib.new(algorithm), 0
    with package.open(name) as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _check_datapackage(package: zipfile.ZipFile, report: WaczReport) -> None:
    try:
        datapackage = json.loads(package.read("datapackage.json"))
    except (KeyError, ValueError) as exc:
        report.problems.append(f"datapackage.json missing or not JSON: {exc}")
        return
    names = set(package.namelist())
    for resource in datapackage.get("resources", []):
        path = resource.get("path", "")
        if path not in names:
            report.problems.append(f"datapackage.json lists {path!r}, not in the package")
            continue
        algorithm, _, expected = (resource.get("hash") or "").partition(":")
        if algorithm not in hashlib.algorithms_available or not expected:
            report.problems.append(f"{path}: no usable hash in datapackage.json ({resource.get('hash')!r})")
            continue
        actual, size = _digest(package, path, algorithm)
        if actual != expected:
            report.problems.append(f"{path}: {algorithm} {actual} differs from datapackage.json's {expected}")
        if resource.get("bytes") is not None and resource["bytes"] != size:
            report.problems.append(f"{path}: {size} bytes, datapackage.json says {resource['bytes']}")


def _check_pages(package: zipfile.ZipFile, report: WaczReport) -> None:
    try:
        lines = package.read("pages/pages.jsonl").decode("utf-8").splitlines()
    except KeyError:
        report.problems.append("pages/pages.jsonl missing")
        return
    except UnicodeDecodeError as exc:
        report.problems.append(f"pages/pages.jsonl is not UTF-8: {exc}")
        return
    for number, line in enumerate(lines, 1):
        try:
            entry = json.loads(line)
        except ValueError as exc:
            report.problems.append(f"pages/pages.jsonl line {number} is not JSON: {exc}")
            continue
        if number == 1:
            if "format" not in entry:
                report.problems.append("pages/pages.jsonl: the first line is not a header (no format)")
            continue
        if not entry.get("url") or not entry.get("ts"):
            report.problems.append(f"pages/pages.jsonl line {number}: a page needs url and ts")
        else:
            report.pages += 1


def verify_wacz(path: str) -> WaczReport:
    report = WaczReport(path)
    try:
        package = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        report.problems.append(f"not a ZIP file: {exc}")
        return report
    with package, tempfile.TemporaryDirectory(prefix="verify-wacz-") as tmp:
        bad = package.testzip()
        if bad is not None:
            report.problems.append(f"{bad}: CRC error in the ZIP")
        _check_datapackage(package, report)
        _check_pages(package, report)
        for name in package.namelist():
            if not name.startswith("archive/") or not name.endswith((".warc.gz", ".warc")):
                continue
            local = os.path.join(tmp, os.path.basename(name))
            with package.open(name) as source, open(local, "wb") as target:
                shutil.copyfileobj(source, target)
            warc = verify_file(local)
            report.warcs += 1
            report.records += warc.records
            report.problems += [f"{name}: {problem}" for problem in warc.problems]
            os.remove(local)
        if not report.warcs:
            report.problems.append("no WARC files under archive/")
    return report

"""Per-site extraction rules: XPaths pruned before extraction and junk line patterns,
from EXTRACT_SITE_RULES and the sources file (no Scrapy imports)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lxml import etree

from .extract import SiteRules


def site_rules_from(*sources: Mapping[str, Any] | None) -> dict[str, SiteRules]:
    """host -> SiteRules from dicts of SiteRules or {"prune_xpaths": [...], "junk_patterns": [...]};
    rules for the same host are combined. Bad XPaths or regexes fail here, at start-up."""
    merged: dict[str, SiteRules] = {}
    for source in sources:
        for host, value in (source or {}).items():
            if isinstance(value, SiteRules):
                rules = value
            elif isinstance(value, Mapping):
                unknown = set(value) - {"prune_xpaths", "junk_patterns"}
                if unknown:
                    raise ValueError(f"EXTRACT_SITE_RULES[{host!r}]: unknown keys {sorted(unknown)}")
                rules = SiteRules(tuple(value.get("prune_xpaths", ())), tuple(value.get("junk_patterns", ())))
            else:
                kind = type(value).__name__
                raise ValueError(f"EXTRACT_SITE_RULES[{host!r}] must be a dict or SiteRules, not {kind}")
            for xpath in rules.prune_xpaths:
                etree.XPath(xpath)  # raises XPathSyntaxError
            for pattern in rules.junk_patterns:
                re.compile(pattern)
            key = host.strip().casefold().rstrip(".")
            old = merged.get(key, SiteRules())
            merged[key] = SiteRules(old.prune_xpaths + rules.prune_xpaths, old.junk_patterns + rules.junk_patterns)
    return merged


def rules_for_host(rules: Mapping[str, SiteRules], host: str) -> SiteRules | None:
    """The rules of host or of its closest parent domain ("www.x.com" uses "x.com")."""
    parts = host.casefold().rstrip(".").split(".")
    for start in range(len(parts) - 1):
        found = rules.get(".".join(parts[start:]))
        if found is not None:
            return found
    return None

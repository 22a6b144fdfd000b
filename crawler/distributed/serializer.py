"""Requests in Redis as JSON (scrapy-redis ``SCHEDULER_SERIALIZER`` interface:
``dumps``/``loads``). scrapy-redis defaults to pickle, which would let anyone who
can write to the shared Redis run code on every worker; JSON cannot.

``bytes`` (headers, bodies) become ``{"$b": base64}``; dicts whose keys are not
strings become ``{"$d": [[key, value], ...]}``; tuples become lists.
"""

from __future__ import annotations

import base64
import json


def _encode(value):
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and not ({"$b", "$d"} & value.keys()):
            return {k: _encode(v) for k, v in value.items()}
        return {"$d": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot put a {type(value).__name__} of a request into the shared frontier: {value!r}")


def _decode(value):
    if isinstance(value, dict):
        if len(value) == 1 and "$b" in value:
            return base64.b64decode(value["$b"])
        if len(value) == 1 and "$d" in value:
            return {_decode(k): _decode(v) for k, v in value["$d"]}
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def dumps(obj) -> bytes:
    return json.dumps(_encode(obj), separators=(",", ":"), sort_keys=True).encode("utf-8")


def loads(data: bytes | str):
    return _decode(json.loads(data))

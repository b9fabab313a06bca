"""JSON text for large results, through orjson (a compiled encoder and decoder).

The standard library writes indented JSON with its pure-Python encoder: 100 MB of
benchmark result took about 10 s to write that way, and about 1 s with orjson. The
value is the same; the text differs only where orjson writes a float in its own
shortest form (``1e-05`` becomes ``1e-5``). Values orjson refuses (integers beyond 64
bits, keys that are not text) fall back to the standard library.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def dumps_indented(value: Any) -> str:
    """``value`` as two-space indented JSON text, like ``json.dumps(value, indent=2)``.

    ``value`` must be JSON-safe already (no NaN or infinity: orjson would write them as
    ``null``), as :func:`peerbench.benchmarking.rows.plain` makes every result.
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()
    except TypeError:
        return json.dumps(value, indent=2, ensure_ascii=False)


def loads(data: bytes | str) -> Any:
    """The value of JSON text (raises ``ValueError`` when it is not JSON).

    orjson first; the standard library when orjson refuses (it rejects the ``NaN``
    the standard library writes).
    """
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)

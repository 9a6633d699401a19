"""JSON parsing with limits, for every JSON or JSON-lines file alsmotion reads.

Python's ``json`` module turns hostile input into exceptions of many kinds (a 5000-digit integer
is a ``ValueError``, deep nesting a ``RecursionError``, a lone surrogate escape becomes a string
that cannot be written back as UTF-8). :func:`loads_bounded` checks the text's size, nesting depth
and number lengths first and raises only :class:`~alsmotion.errors.InvalidInputError` with the
reason; callers re-raise it as the error of their file (with the path and line).
"""

from __future__ import annotations

import json
import re
from typing import Any

from alsmotion.errors import InvalidInputError

#: Largest JSON document (bytes) read from a metadata, manifest, settings or sidecar file.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
#: Largest nesting of arrays and objects; alsmotion's own files nest at most 5 deep.
MAX_DEPTH = 64
#: Longest number literal (characters); a float64 needs at most 25.
MAX_NUMBER_CHARS = 64

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NUMBER = re.compile(rb"[-+0-9.eE]{%d,}" % (MAX_NUMBER_CHARS + 1))
_BRACKETS = re.compile(rb"[\[\]{}]")
_OPEN = frozenset(b"[{")


def _check_structure(data: bytes, max_depth: int) -> None:
    outside = _STRING.sub(b'""', data)
    if _NUMBER.search(outside):
        raise InvalidInputError(f"a number is longer than {MAX_NUMBER_CHARS} characters")
    depth = 0
    for match in _BRACKETS.finditer(outside):
        depth += 1 if match.group()[0] in _OPEN else -1
        if depth > max_depth:
            raise InvalidInputError(f"nested deeper than {max_depth} levels")


def loads_bounded(
    data: str | bytes, *, max_bytes: int = MAX_DOCUMENT_BYTES, max_depth: int = MAX_DEPTH
) -> Any:
    """Parse JSON text within limits of size, depth and number length.

    Raises
    ------
    InvalidInputError
        When the text is too large, too deep, holds an over-long number, is not
        valid UTF-8 or JSON, or holds a string that is not valid Unicode (a lone surrogate).
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    if len(raw) > max_bytes:
        raise InvalidInputError(f"{len(raw)} bytes of JSON, more than the {max_bytes} allowed")
    _check_structure(raw, max_depth)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"not UTF-8 text (byte {exc.start})") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(str(exc)) from None
    except (ValueError, RecursionError) as exc:  # belt and braces: the checks above prevent them
        raise InvalidInputError(type(exc).__name__) from None
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInputError(
            "a string holds an invalid Unicode escape (lone surrogate)"
        ) from None
    return value

"""JSON round-trip of settings dataclasses: canonical text, its hash, and checked reading.

The gait, strength and processing settings (and the strength protocol) all name the exact values
that produced a result; the helpers here are the one place that turns them into text and back.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, ClassVar, Self

from alsmotion.boundedjson import loads_bounded
from alsmotion.errors import InvalidInputError


def canonical_json(values: dict[str, Any]) -> str:
    """JSON with sorted keys and no spaces: the same settings always give the same text."""
    return json.dumps(values, sort_keys=True, separators=(",", ":"))


def sha256_hex(text: str) -> str:
    """SHA-256 (64 hex digits) of the UTF-8 bytes of ``text``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_non_negative_numbers(
    settings: Any, *, names: tuple[str, ...] | None = None, optional: tuple[str, ...] = ()
) -> None:
    """Raise :class:`InvalidInputError` unless the fields ``names`` (default: every field) of the
    dataclass ``settings`` are finite numbers >= 0 (``bool`` is not a number here); fields named
    in ``optional`` may also be None."""
    for name in names if names is not None else tuple(item.name for item in fields(settings)):
        value = getattr(settings, name)
        if value is None and name in optional:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not (math.isfinite(value) and value >= 0)
        ):
            raise InvalidInputError(
                f"{type(settings).__name__}.{name} must be a finite, non-negative number, "
                f"got {value!r}"
            )


def refuse_unknown_keys(settings_type: type, values: dict[str, Any], *, what: str) -> None:
    """Raise :class:`InvalidInputError` when ``values`` holds a key that is not a field.

    Parameters
    ----------
    settings_type : the dataclass whose fields are the known keys.
    values : the keys given (e.g. a JSON object read from a file).
    what : what the keys are, for the message (e.g. ``"gait setting"``).
    """
    known = sorted(item.name for item in fields(settings_type))
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise InvalidInputError(f"unknown {what}(s) {', '.join(unknown)}: use {', '.join(known)}")


class JsonSettings:
    """Mixin for a frozen settings dataclass: dict and canonical JSON out, checked dict in, and
    the SHA-256 of the JSON that a result carries to name the exact settings behind it.

    A subclass sets ``settings_name`` (e.g. ``"gait setting"``) for the unknown-key message.
    """

    settings_name: ClassVar[str]

    def to_dict(self) -> dict[str, Any]:
        """The settings as a JSON-able dict (every field, by name)."""
        return asdict(self)  # type: ignore[call-overload]  # subclasses are dataclasses

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, no spaces): the text :attr:`settings_hash` is taken of."""
        return canonical_json(self.to_dict())

    @property
    def settings_hash(self) -> str:
        """SHA-256 (hex) of :meth:`to_json`: the same hash means the same settings."""
        return sha256_hex(self.to_json())

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Self:
        """Settings from a dict such as :meth:`to_dict` wrote; unknown names are refused."""
        refuse_unknown_keys(cls, values, what=cls.settings_name)
        return cls(**values)


def json_object_from_text(text: str, *, what: str) -> dict[str, Any]:
    """Parse ``text`` as a JSON object; ``what`` names it in the message when it is not one."""
    try:
        values = loads_bounded(text)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{what}: not valid JSON ({exc})") from None
    if not isinstance(values, dict):
        raise InvalidInputError(f"{what} must be a JSON object, got {type(values).__name__}")
    return values


def read_json_object(path: str | Path, *, what: str) -> dict[str, Any]:
    """Read a file holding one JSON object; a missing or broken file names ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"{path}: cannot read {what} ({exc})") from None
    try:
        return json_object_from_text(text, what=what)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{path}: {exc}") from None

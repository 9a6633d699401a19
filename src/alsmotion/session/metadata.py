"""Session metadata: who was recorded, at which visit, by whom, with which software and host."""

from __future__ import annotations

import re
import socket
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from alsmotion._version import __version__
from alsmotion.errors import InvalidInputError
from alsmotion.session.pseudonym import (
    DEFAULT_PSEUDONYM_PATTERN,
    validate_operator,
    validate_pseudonym,
)

_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def utc_now() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


def parse_utc(text: str) -> datetime:
    """Parse an ISO 8601 time that carries a UTC offset; naive times are refused."""
    try:
        value = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise InvalidInputError(f"not an ISO 8601 time: {text!r}") from None
    if value.tzinfo is None:
        raise InvalidInputError(f"time {text!r} has no UTC offset: write it as ...Z or +00:00")
    return value.astimezone(UTC)


def format_utc(value: datetime) -> str:
    """ISO 8601 in UTC with microseconds and a ``Z`` suffix (``2026-01-05T09:30:00.000000Z``)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def format_utc_ns(host_time_ns: int) -> str:
    """:func:`format_utc` of a time in ns since the Unix epoch, truncated to the microsecond."""
    seconds, nanoseconds = divmod(int(host_time_ns), 1_000_000_000)
    return format_utc(datetime.fromtimestamp(seconds, UTC).replace(microsecond=nanoseconds // 1000))


@dataclass(frozen=True)
class SessionMetadata:
    """What a session is: participant pseudonym, visit, protocol, operator, host, software, start.

    Parameters
    ----------
    participant_id : study pseudonym (validated; names, dates, e-mails, phone/ID numbers refused).
    visit : visit label the operator chose (e.g. ``baseline``, ``day30``, ``unscheduled``); the
        visit a session counts for is assigned later from its date (:mod:`alsmotion.visits`).
    protocol : protocol name/version followed (e.g. ``gait-hhd-v1``).
    operator : operator code or initials.
    study_id : study identifier (SDTM STUDYID).
    site : site code.
    start_utc : UTC start; filled with the current time when omitted. Must carry a time zone.
    host : computer name; filled in when omitted.
    software_version : alsmotion version; filled in when omitted.
    pseudonym_pattern : regular expression pseudonyms must match.
    extra : further JSON-able facts (e.g. participant height_m, sensor_height_m).
    """

    participant_id: str
    visit: str
    protocol: str
    operator: str
    study_id: str = "ALS-TOFA"
    site: str = ""
    start_utc: datetime = field(default_factory=utc_now)
    host: str = field(default_factory=socket.gethostname)
    software_version: str = __version__
    pseudonym_pattern: str = DEFAULT_PSEUDONYM_PATTERN
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "participant_id",
            validate_pseudonym(self.participant_id, pattern=self.pseudonym_pattern),
        )
        if not isinstance(self.visit, str) or not _LABEL.fullmatch(self.visit):
            raise InvalidInputError(
                f"visit label {self.visit!r:.80} must be 1-64 ASCII letters, digits, '_', '.', "
                "'-' (e.g. 'baseline', 'day30', 'unscheduled')"
            )
        for name in ("protocol", "operator", "study_id", "site", "host", "software_version"):
            if not isinstance(getattr(self, name), str):
                raise InvalidInputError(f"session metadata {name} must be text")
        for name in ("protocol", "study_id"):
            if not getattr(self, name).strip():
                raise InvalidInputError(f"session metadata needs a non-empty {name}")
        object.__setattr__(self, "operator", validate_operator(self.operator))
        if not isinstance(self.extra, dict):
            raise InvalidInputError("session metadata extra must be a mapping of facts")
        if not isinstance(self.start_utc, datetime):
            raise InvalidInputError("start_utc must be a datetime")
        if self.start_utc.tzinfo is None:
            raise InvalidInputError("start_utc has no time zone: pass an aware UTC datetime")
        object.__setattr__(self, "start_utc", self.start_utc.astimezone(UTC))

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["start_utc"] = format_utc(self.start_utc)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SessionMetadata:
        data = dict(data)
        if not isinstance(data.get("start_utc"), str):
            raise InvalidInputError("start_utc must be an ISO 8601 UTC time")
        data["start_utc"] = parse_utc(data["start_utc"])
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidInputError(f"unknown session metadata field(s): {', '.join(unknown)}")
        return cls(**data)

    @property
    def directory_name(self) -> str:
        """Folder name of the session: ``<participant>_<visit>_<YYYYmmddTHHMMSSZ>``."""
        stamp = self.start_utc.strftime("%Y%m%dT%H%M%SZ")
        return f"{self.participant_id}_{self.visit}_{stamp}"

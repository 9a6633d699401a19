"""One exception hierarchy for alsmotion. Every error says what went wrong and what to do.

Errors carry structured fields (file, line, device address, participant, visit) so a batch loop or
the CLI can report them without parsing message text.
"""

from __future__ import annotations

from pathlib import Path


class AlsmotionError(Exception):
    """Base class of every error alsmotion raises on purpose."""


class InvalidInputError(AlsmotionError, ValueError):
    """An argument is out of range or of the wrong shape (e.g. a negative sampling rate)."""


class InvalidRecordingError(AlsmotionError):
    """A recording file cannot be read as what it claims to be.

    Attributes
    ----------
    path : the file, or None for in-memory data.
    line : 1-based line number of the offending line in a text file, when known.
    offset : byte offset of the offending part of a binary file, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        offset: int | None = None,
    ):
        self.path = Path(path) if path is not None else None
        self.line = line
        self.offset = offset
        where = ""
        if self.path is not None:
            where = f"{self.path}"
            if line is not None:
                where += f", line {line}"
            if offset is not None:
                where += f", byte {offset}"
            where += ": "
        super().__init__(f"{where}{message}")
        self.reason = message


class InsufficientDataError(AlsmotionError):
    """The data is valid but holds too little of what a method needs (e.g. no walking)."""


class SessionError(AlsmotionError):
    """A raw session is corrupt, incomplete, or fails verification.

    Attributes
    ----------
    path : the session folder or the file inside it, when known.
    line : 1-based line of a JSON-lines file, when known.
    offset : byte offset in a binary file, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        offset: int | None = None,
    ):
        self.path = Path(path) if path is not None else None
        self.line = line
        self.offset = offset
        where = ""
        if self.path is not None:
            where = f"{self.path}"
            if line is not None:
                where += f", line {line}"
            if offset is not None:
                where += f", byte {offset}"
            where += ": "
        super().__init__(f"{where}{message}")
        self.reason = message


class DeviceError(AlsmotionError):
    """A BLE device misbehaved or could not be reached.

    Attributes
    ----------
    address : the device's BLE address (or simulator name), when known.
    """

    def __init__(self, message: str, *, address: str | None = None):
        self.address = address
        super().__init__(f"{address}: {message}" if address else message)
        self.reason = message


class MissingDependencyError(AlsmotionError, ImportError):
    """An optional dependency is not installed; the message names the install command."""


def require(module: str, *, extra: str, feature: str):
    """Import an optional dependency or raise an error naming the extra that provides it.

    Parameters
    ----------
    module : importable module name, e.g. ``"bleak"``.
    extra : the alsmotion extra that installs it, e.g. ``"ble"``.
    feature : what the caller was trying to do, for the message.
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{feature} needs the '{module}' package: install it with "
            f"`pip install 'alsmotion[{extra}]'`"
        ) from exc

"""Find the sessions under a raw-data root.

Two kinds of source are found:

* **native** sessions: a directory holding the metadata file ``session.json``
  (:data:`alsmotion.session.layout.METADATA_FILE`) that :class:`alsmotion.session.SessionWriter`
  writes; participant and visit come from that file, or, when it is unreadable, from the folder
  name ``<participant>_<visit>_<YYYYmmddTHHMMSSZ>``. A folder holding a manifest or an event log
  but no ``session.json`` (deleted, or a folder in its place) is a damaged session: it fails
  with one errors.csv row instead of being skipped;
* **home** recordings: a native session whose protocol starts with ``home`` (e.g. ``home-v1``,
  :data:`HOME_PROTOCOL_PREFIX`), analysed by the home pipeline instead (wear, walking bouts,
  daily measures), and the device files (:data:`alsmotion.home.sources.DEVICE_FILE_SUFFIXES`)
  under the paths :func:`discover_home_files` is given, labelled as foreign recordings are;
* **foreign** recordings the readers support on their own, today GENEActiv CSV exports, processed
  as gait-only sessions. Their participant and visit come from a sidecar JSON file beside the
  recording (``<name>.json`` with ``participant_id`` and ``visit``), or else from the two folders
  above the file, ``<participant>/<visit>/<name>.csv`` (BIDS ``sub-``/``ses-`` prefixes dropped).

Hidden directories (names starting with ``.``, e.g. an output cache) are never searched.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from alsmotion.boundedjson import loads_bounded
from alsmotion.errors import AlsmotionError, InvalidInputError
from alsmotion.readers.geneactiv import is_geneactiv_csv
from alsmotion.session.layout import EVENTS_FILE, MANIFEST_FILE, METADATA_FILE

#: Files only a session folder holds: a folder with one of them but no readable ``session.json``
#: is a damaged session (one errors.csv row), not a folder to skip.
_SESSION_FILES = (METADATA_FILE, MANIFEST_FILE, EVENTS_FILE)

#: A native session whose protocol starts with this (case-insensitive) is a home recording.
HOME_PROTOCOL_PREFIX = "home"

#: Source kinds that the home pipeline analyses.
HOME_KINDS = ("home", "home-device")

_NATIVE_FOLDER = re.compile(r"^(?P<participant>[^_]+)_(?P<visit>.+)_\d{8}T\d{6}Z$")


@dataclass(frozen=True)
class SessionSource:
    """One session to process.

    Attributes
    ----------
    kind : ``"native"`` (session directory), ``"home"`` (home session directory),
        ``"home-device"`` (home device file) or ``"geneactiv-csv"`` (foreign recording file).
    path : the session directory or the recording file.
    participant_id : participant pseudonym, ``""`` when it cannot be told.
    visit : visit label, ``""`` when it cannot be told.
    sidecar : JSON file with the participant and visit of a foreign recording, when there is one.
    problem : why the source could not even be looked at (a folder that cannot be listed); such
        a source fails with this reason, one row of errors.csv, instead of being skipped.
    """

    kind: str
    path: Path
    participant_id: str
    visit: str
    sidecar: Path | None = None
    problem: str = ""


def _read_json_object(path: Path) -> dict:
    """The JSON object in ``path``, or {} when it cannot be read: discovery only takes labels
    from it, and processing the session reports what is wrong with the file."""
    try:
        value = loads_bounded(path.read_bytes())
    except (OSError, AlsmotionError):
        return {}
    return value if isinstance(value, dict) else {}


def _label(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _labels_from_path(folder: Path, root: Path) -> tuple[str, str]:
    """Participant and visit from ``<participant>/<visit>/`` folders below ``root``."""
    parts = folder.relative_to(root).parts
    if len(parts) < 2:
        return "", ""
    participant, visit = parts[-2], parts[-1]
    return participant.removeprefix("sub-"), visit.removeprefix("ses-")


def _native_source(folder: Path) -> SessionSource:
    document = _read_json_object(folder / METADATA_FILE)
    metadata = document.get("metadata")
    if not isinstance(metadata, dict):
        metadata = {}
    participant, visit = _label(metadata.get("participant_id")), _label(metadata.get("visit"))
    match = _NATIVE_FOLDER.match(folder.name)
    if match is not None:
        participant = participant or match["participant"]
        visit = visit or match["visit"]
    protocol = _label(metadata.get("protocol")).lower()
    kind = "home" if protocol.startswith(HOME_PROTOCOL_PREFIX) else "native"
    return SessionSource(kind, folder, participant, visit)


def _foreign_source(file: Path, root: Path, kind: str = "geneactiv-csv") -> SessionSource:
    sidecar = file.with_suffix(".json")
    if sidecar.is_file():
        labels = _read_json_object(sidecar)
        return SessionSource(
            kind,
            file,
            _label(labels.get("participant_id")),
            _label(labels.get("visit")),
            sidecar=sidecar,
        )
    participant, visit = _labels_from_path(file.parent, root)
    return SessionSource(kind, file, participant, visit)


def discover_sessions(raw_root: str | Path) -> list[SessionSource]:
    """Every native session directory and supported foreign recording under ``raw_root``.

    Parameters
    ----------
    raw_root : directory to search, recursively.

    Returns
    -------
    list of SessionSource, sorted by path so that runs see the same order.

    Raises
    ------
    InvalidInputError
        When ``raw_root`` is not a directory.
    """
    root = Path(raw_root)
    if not root.is_dir():
        raise InvalidInputError(f"{root}: not a directory: give the folder that holds the sessions")
    sources: list[SessionSource] = []

    def unreadable(error: OSError) -> None:
        where = Path(error.filename) if error.filename else root
        problem = f"cannot list the folder ({error.strerror})"
        sources.append(SessionSource("unreadable", where, "", "", problem=problem))

    for folder_name, dir_names, file_names in os.walk(root, onerror=unreadable):
        folder = Path(folder_name)
        if any(name in file_names or name in dir_names for name in _SESSION_FILES):
            sources.append(_native_source(folder))
            dir_names.clear()
            continue
        dir_names[:] = sorted(name for name in dir_names if not name.startswith("."))
        for name in sorted(file_names):
            file = folder / name
            if name.lower().endswith(".csv") and file.is_file() and is_geneactiv_csv(file):
                sources.append(_foreign_source(file, root))
    return sorted(sources, key=lambda source: source.path.as_posix())


def discover_home_files(paths: Sequence[str | Path]) -> list[SessionSource]:
    """Home device files (``.cwa``, ``.gt3x``, ``.bin``): each of ``paths`` is such a file or a
    folder searched recursively (hidden folders skipped). Participant and visit come from a
    sidecar ``<name>.json`` or the two folders above the file, as for foreign recordings (below
    a given folder; a file given by name needs its sidecar).

    Raises
    ------
    InvalidInputError
        When a path does not exist or a file given by name is not a device file.
    """
    from alsmotion.home.sources import DEVICE_FILE_SUFFIXES

    sources: list[SessionSource] = []
    for given in map(Path, paths):
        if given.is_file():
            if given.suffix.lower() not in DEVICE_FILE_SUFFIXES:
                raise InvalidInputError(
                    f"{given}: not a home device file ({', '.join(DEVICE_FILE_SUFFIXES)})"
                )
            sources.append(_foreign_source(given, given.parent, "home-device"))
            continue
        if not given.is_dir():
            raise InvalidInputError(f"{given}: no such file or folder of home device files")
        for folder_name, dir_names, file_names in os.walk(given):
            dir_names[:] = sorted(name for name in dir_names if not name.startswith("."))
            for name in sorted(file_names):
                file = Path(folder_name) / name
                if file.suffix.lower() in DEVICE_FILE_SUFFIXES and file.is_file():
                    sources.append(_foreign_source(file, given, "home-device"))
    unique = {source.path.resolve(): source for source in sources}
    return sorted(unique.values(), key=lambda source: source.path.as_posix())

"""Per-session result cache under ``OUT/.cache/``.

An entry is keyed by the session's raw SHA-256, the settings hash, the algorithm version and the
software version, so a session is recomputed when its data, the settings, the algorithm or the
alsmotion release change (a run's outputs then truly come from the version they name), and only
then. Entries are
pickles written atomically (temporary file, fsync, rename): a run killed mid-write leaves either a
whole entry or none. An entry that cannot be loaded counts as missing. The cache is private to the
output folder that holds it; only load caches you wrote (pickle runs code on load).
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alsmotion.atomicio import atomic_write_bytes

#: Folder of the cache inside the output folder.
CACHE_DIR_NAME = ".cache"


@dataclass(frozen=True)
class CacheKey:
    """What a cached result depends on."""

    raw_sha256: str
    settings_hash: str
    algorithm_version: str
    software_version: str

    def entry_name(self) -> str:
        text = "\n".join(
            (self.raw_sha256, self.settings_hash, self.algorithm_version, self.software_version)
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest() + ".pkl"


class ResultCache:
    """Session results stored by :class:`CacheKey` in ``directory``."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)

    def _path(self, key: CacheKey) -> Path:
        name = key.entry_name()
        return self.directory / name[:2] / name

    def get(self, key: CacheKey) -> Any | None:
        """The cached result for ``key``, or None when there is none (or it is unreadable)."""
        path = self._path(key)
        try:
            entry = pickle.loads(path.read_bytes())
        except Exception:  # missing, unreadable or from an older release: recompute it
            return None
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        return entry["result"]

    def put(self, key: CacheKey, result: Any) -> None:
        """Store ``result`` under ``key`` atomically."""
        data = pickle.dumps({"key": key, "result": result}, protocol=pickle.HIGHEST_PROTOCOL)
        atomic_write_bytes(self._path(key), data)

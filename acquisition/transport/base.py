"""The transport interface the recorder talks to.

Two implementations: :mod:`.bleak_transport` (real radios through bleak) and :mod:`.inprocess`
(simulated twins in the same event loop, for fast tests). The recorder only sees this interface,
so it cannot tell a simulated device from a real one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass

#: Called from the transport with the raw notification bytes (must only stamp and enqueue).
NotifyCallback = Callable[[bytes], None]


@dataclass(frozen=True)
class Advertisement:
    """A device seen while scanning."""

    address: str
    name: str
    service_uuids: tuple[str, ...]
    rssi_dbm: int | None = None


class Connection(ABC):
    """An open link to one peripheral."""

    address: str

    @property
    @abstractmethod
    def is_connected(self) -> bool:
        """True until the link drops or :meth:`disconnect` is called."""

    @abstractmethod
    async def start_notify(self, char_uuid: str, callback: NotifyCallback) -> None:
        """Subscribe to notifications of ``char_uuid``."""

    @abstractmethod
    async def write(self, char_uuid: str, data: bytes) -> None:
        """Write ``data`` to ``char_uuid`` (write without response where the device allows it)."""

    @abstractmethod
    async def read(self, char_uuid: str) -> bytes | None:
        """Read ``char_uuid``; None if the peripheral has no such characteristic."""

    @abstractmethod
    async def disconnect(self) -> None:
        """Close the link (idempotent)."""


class Transport(ABC):
    """Scans for and connects to peripherals."""

    @abstractmethod
    async def scan(self, *, service_uuids: Sequence[str], timeout_s: float) -> list[Advertisement]:
        """Devices advertising any of ``service_uuids`` seen within ``timeout_s`` seconds."""

    @abstractmethod
    async def connect(
        self, address: str, *, on_disconnect: Callable[[], None], timeout_s: float
    ) -> Connection:
        """Connect to ``address``; ``on_disconnect`` runs when the link drops unexpectedly.

        Raises :class:`alsmotion.errors.DeviceError` when the device cannot be reached.
        """

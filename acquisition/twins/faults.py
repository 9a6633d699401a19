"""Faults a simulated peripheral injects into its own radio link."""

from __future__ import annotations

from dataclasses import dataclass

from alsmotion.errors import InvalidInputError


@dataclass(frozen=True)
class FaultPlan:
    """What goes wrong on a twin's link. Probabilities are per notification.

    Attributes
    ----------
    drop_probability : notification never delivered.
    drop_every : also drop every ``drop_every``-th notification of the twin's data (None: no).
    drop_first : drop the first ``drop_first`` data notifications after each start of streaming
        (the run a reconnect loses before the central is listening).
    duplicate_probability : notification delivered twice.
    reorder_probability : notification swapped with the one after it.
    corrupt_probability : framing bytes mangled and garbage appended (payload bit errors are
        caught by the BLE link-layer CRC; what reaches an application are framing faults).
    clock_drift : relative error of the device's oscillator (0.01 = its clock runs 1 % fast).
    missed_event_probability : a connection event carries nothing (radio retry), so
        notifications bunch up in the next one.
    disconnect_after_s : drop the link this long after streaming starts (None: never).
    offline_s : how long the device stays away after that drop before advertising again
        (None: it never comes back).
    refuse_connections : the device advertises but accepts no connection (as one held by
        another phone or app does).
    """

    drop_probability: float = 0.0
    drop_every: int | None = None
    drop_first: int = 0
    duplicate_probability: float = 0.0
    reorder_probability: float = 0.0
    corrupt_probability: float = 0.0
    clock_drift: float = 0.0
    missed_event_probability: float = 0.05
    disconnect_after_s: float | None = None
    offline_s: float | None = 1.0
    refuse_connections: bool = False

    def __post_init__(self) -> None:
        for name in (
            "drop_probability",
            "duplicate_probability",
            "reorder_probability",
            "corrupt_probability",
            "missed_event_probability",
        ):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise InvalidInputError(f"{name} must be in [0, 1), got {value}")
        if self.drop_every is not None and self.drop_every < 2:
            raise InvalidInputError(f"drop_every must be at least 2, got {self.drop_every}")
        if self.drop_first < 0:
            raise InvalidInputError(f"drop_first must be >= 0, got {self.drop_first}")
        if abs(self.clock_drift) >= 0.5:
            raise InvalidInputError(f"clock_drift must be a small fraction, got {self.clock_drift}")

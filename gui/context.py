"""State shared by the screens of one visit: who, which protocol, the devices, the decisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alsmotion.errors import DeviceError
from alsmotion.gui.flow import StrengthFlow, VisitFlow
from alsmotion.gui.protocols import VisitProtocol
from alsmotion.gui.worker import Worker

if TYPE_CHECKING:
    from alsmotion.gui.link import AcquisitionLink
    from alsmotion.session import SessionMetadata


@dataclass
class WalkTrial:
    """One timed walk as shown to the operator: the measures and the quality flags."""

    test: str
    trial: int
    duration_s: float
    distance_m: float | None
    measures: dict[str, Any]
    flags: tuple[str, ...]

    @property
    def clinical_speed_mps(self) -> float | None:
        """Timed-walk speed = distance / time, when the distance is known."""
        if self.distance_m is None or self.duration_s <= 0:
            return None
        return self.distance_m / self.duration_s


@dataclass
class VisitContext:
    """Everything the screens share during a visit (one per main window)."""

    data_dir: Path
    export_dir: Path
    simulate: bool
    worker: Worker
    #: Per device kind, link faults the simulated twins inject (``FaultPlan``; demos and tests).
    simulated_faults: dict[str, Any] = field(default_factory=dict)
    flow: VisitFlow = field(default_factory=VisitFlow)
    metadata: SessionMetadata | None = None
    protocol: VisitProtocol | None = None
    link: AcquisitionLink | None = None
    strength: StrengthFlow | None = None
    walk_trials: list[WalkTrial] = field(default_factory=list)
    exported: dict[str, Path] = field(default_factory=dict)

    @property
    def recording(self) -> bool:
        return self.link is not None and self.link.recording

    def require_link(self) -> AcquisitionLink:
        if self.link is None:
            raise DeviceError("no devices are connected: connect them on the Devices screen")
        return self.link

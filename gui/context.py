"""State shared by the screens of one visit: who, which protocol, the devices, the decisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alsmotion.errors import DeviceError
from alsmotion.gui.flow import ACCEPTED, StrengthFlow, VisitFlow
from alsmotion.gui.protocols import VisitProtocol
from alsmotion.gui.worker import Worker

if TYPE_CHECKING:
    from alsmotion.gui.link import AcquisitionLink
    from alsmotion.session import SessionMetadata

#: A walk trial's status before the operator decided (it is logged as rejected until then, so
#: nothing counts as accepted that nobody accepted).
UNDECIDED = "undecided"


@dataclass
class WalkTrial:
    """One timed walk as shown to the operator: the exported measures, flags and the decision."""

    test: str
    trial: int
    duration_s: float
    distance_m: float | None
    measures: dict[str, Any]
    flags: tuple[str, ...]
    status: str = UNDECIDED
    reason: str = ""

    @property
    def accepted(self) -> bool:
        return self.status == ACCEPTED


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
    #: The trial being recorded now ("2MWT trial 1"), None when none: one at a time.
    running_trial: str | None = None

    @property
    def recording(self) -> bool:
        return self.link is not None and self.link.recording

    def require_link(self) -> AcquisitionLink:
        if self.link is None:
            raise DeviceError("no devices are connected: connect them on the Devices screen")
        return self.link

    def new_visit(self) -> None:
        """Forget this visit (the recording must already be stopped) for the next one."""
        self.flow = VisitFlow()
        self.metadata = None
        self.protocol = None
        self.link = None
        self.strength = None
        self.walk_trials = []
        self.exported = {}
        self.running_trial = None

"""Visit protocols the operator can choose on the start screen: which walks, which muscles."""

from __future__ import annotations

from dataclasses import dataclass

from alsmotion.strength import StrengthProtocol


@dataclass(frozen=True)
class VisitProtocol:
    """What one visit measures.

    Attributes
    ----------
    name : protocol name recorded in the session metadata.
    walk_tests : timed walk test codes in the order offered.
    strength : muscles, sides, trials per side, make/break and rest between trials.
    """

    name: str
    walk_tests: tuple[str, ...]
    strength: StrengthProtocol


#: Protocols offered by the GUI, by name.
PROTOCOLS: dict[str, VisitProtocol] = {
    protocol.name: protocol
    for protocol in (
        VisitProtocol("gait-hhd-v1", ("10MWT", "T25FW", "2MWT", "6MWT"), StrengthProtocol()),
        VisitProtocol(
            "gait-hhd-short-v1",
            ("10MWT", "T25FW"),
            StrengthProtocol(muscles=("elbow_flexion", "knee_extension"), trials_per_side=2),
        ),
        # training and demonstrations (``alsmotion gui --simulate``): one walk, one muscle
        VisitProtocol(
            "demo-v1", ("10MWT",), StrengthProtocol(muscles=("knee_extension",), trials_per_side=1)
        ),
    )
}

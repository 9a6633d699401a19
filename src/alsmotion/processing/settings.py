"""Settings of session processing: one frozen dataclass that round-trips to JSON and names a hash."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from alsmotion.errors import InvalidInputError
from alsmotion.gait.settings import GaitSettings
from alsmotion.settings_io import JsonSettings, read_json_object
from alsmotion.strength.protocol import SUMMARY_STATISTICS
from alsmotion.strength.settings import TrialSettings
from alsmotion.vocabulary import DEFAULT_METHOD, Method

#: Choices of :attr:`ProcessingSettings.integrity_problems`.
INTEGRITY_ACTIONS = ("flag", "refuse")


@dataclass(frozen=True)
class ProcessingSettings(JsonSettings):
    """Everything that decides the numbers :func:`alsmotion.processing.process_session` returns.

    Attributes
    ----------
    gait : settings of :func:`alsmotion.gait.analyze_gait` as a dict of
        ``alsmotion.gait.GaitSettings`` fields (empty: its defaults).
    strength : settings of :func:`alsmotion.strength.analyze_trial` as a dict (empty: defaults).
    strength_summary : ``max`` (of valid trials, the common choice) or ``mean``.
    strength_normative : normative torque table for ``HHD_<method>_pct_predicted``: ``""`` none,
        ``harbo_2012`` the Harbo 2012 example shipped with alsmotion, or a CSV path
        (:class:`alsmotion.strength.NormativeTable`). Sex, age, height, body mass and lever arms
        come from the session metadata (:mod:`alsmotion.strength.participant`).
    strength_reference : mu and sigma per muscle and side for ``HHD_megascore_z``: ``""`` the
        participants' baseline visits (computed at export over the cohort), or a CSV path
        (:meth:`alsmotion.strength.StrengthReference.from_csv`). The row's flags name the source.
    megascore_method : ``make`` or ``break``: the method whose forces make the megascore.
    imu_stream, force_stream : names of the streams that hold the lumbar IMU and the dynamometer.
    integrity_problems : what to do with a session whose raw data differ from what was recorded
        (manifest mismatch, repeated or out-of-order record batches, broken event sequence;
        :attr:`alsmotion.session.Session.integrity_problems`): ``flag`` (process it and flag
        every measure ``raw_data_integrity``) or ``refuse`` (raise, so the session fails).
    """

    gait: dict[str, Any] = field(default_factory=dict)
    strength: dict[str, Any] = field(default_factory=dict)
    strength_summary: str = "max"
    strength_normative: str = ""
    strength_reference: str = ""
    megascore_method: str = DEFAULT_METHOD
    imu_stream: str = "imu"
    force_stream: str = "force"
    integrity_problems: str = "flag"

    settings_name: ClassVar[str] = "processing setting"

    def __post_init__(self) -> None:
        if self.strength_summary not in SUMMARY_STATISTICS:
            raise InvalidInputError(
                f"strength_summary must be one of {', '.join(SUMMARY_STATISTICS)}, "
                f"got {self.strength_summary!r}"
            )
        if self.integrity_problems not in INTEGRITY_ACTIONS:
            raise InvalidInputError(
                f"integrity_problems must be one of {', '.join(INTEGRITY_ACTIONS)}, "
                f"got {self.integrity_problems!r}"
            )
        if self.megascore_method not in tuple(Method):
            raise InvalidInputError(
                f"megascore_method must be one of {', '.join(Method)}, got {self.megascore_method!r}"
            )
        try:
            self.to_json()
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(f"processing settings must be JSON-able: {exc}") from None
        # Build the gait and strength settings once here so that a misspelled or out-of-range
        # value is refused when the settings are read, not in every session processed.
        GaitSettings.from_dict(self.gait)
        TrialSettings.from_dict(self.strength)

    def to_dict(self) -> dict[str, Any]:
        """The settings as a JSON-able dict (copies of the gait and strength dicts)."""
        return {
            "gait": dict(self.gait),
            "strength": dict(self.strength),
            "strength_summary": self.strength_summary,
            "strength_normative": self.strength_normative,
            "strength_reference": self.strength_reference,
            "megascore_method": str(self.megascore_method),
            "imu_stream": self.imu_stream,
            "force_stream": self.force_stream,
            "integrity_problems": self.integrity_problems,
        }

    @classmethod
    def from_file(cls, path: str | Path) -> ProcessingSettings:
        """Read settings from a JSON file (as written by :meth:`to_json`)."""
        return cls.from_dict(read_json_object(path, what="processing settings"))

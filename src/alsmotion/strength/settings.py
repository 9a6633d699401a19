"""Settings of the force-curve analysis of one dynamometer trial, with a JSON round-trip and a hash
so that every result can name the exact settings that produced it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar

from alsmotion.errors import InvalidInputError
from alsmotion.settings_io import (
    JsonSettings,
    check_non_negative_numbers,
    json_object_from_text,
    sha256_hex,
)


@dataclass(frozen=True)
class TrialSettings(JsonSettings):
    """How one force trial is analysed. Every threshold is in SI units (N, s, Hz).

    Attributes
    ----------
    baseline_window_s : length of the quiet period at the start of the recording used for the tare
        (mean) and its noise (SD), s.
    onset_threshold_n : fixed part of the effort threshold above the baseline, N.
    onset_threshold_sd : the threshold is ``max(onset_threshold_n, onset_threshold_sd x SD)``.
    onset_quiet_sd : the effort's first sample is the one after the force was last within this
        many baseline SDs of the (drift-corrected) baseline before the threshold crossing; the
        onset time is then fitted between samples from the rising edge.
    lowpass_cutoff_hz : cutoff of the zero-phase Butterworth low-pass applied before onset
        detection, the filtered peak and RFD, Hz; ``None`` disables it.
    lowpass_order : order of the Butterworth filter run forward and backward (the effective order
        is twice this).
    min_effort_s : efforts shorter than this (onset to end) are invalid, s.
    plateau_window_s : window over which the best mean force (plateau) is taken, s.
    min_window_samples : a window holding fewer samples than this at the device's rate is reported
        as not supported.
    device_limit_n : full-scale reading of the device (before tare), N; readings at the limit
        mark saturation. ``None`` relies on flat-top detection only.
    flat_top_min_samples, flat_top_min_s : a run of identical readings at the maximum at least this
        long (in samples and in seconds) is clipping.
    other_effort_fraction : another excursion above the threshold counts as a second effort when
        its peak reaches this fraction of the main peak.
    min_segment_s : excursions above the threshold shorter than this are ignored, s.
    dropout_gap_periods : a gap between samples longer than this many nominal sample periods is a
        signal dropout.
    resolution_n : the device's reading resolution, N: the noise SD used for the thresholds is
        never below it. ``None``: the noise is estimated from the data alone.
    noise_confidence : the noise SD of the short quiet window is raised to this one-sided upper
        confidence bound (a 5-sample window often underestimates it), and never taken below the
        robust SD of successive differences before the effort.
    """

    baseline_window_s: float = 0.5
    onset_threshold_n: float = 5.0
    onset_threshold_sd: float = 5.0
    onset_quiet_sd: float = 2.0
    lowpass_cutoff_hz: float | None = 15.0
    lowpass_order: int = 2
    min_effort_s: float = 1.0
    plateau_window_s: float = 1.0
    min_window_samples: int = 5
    device_limit_n: float | None = None
    flat_top_min_samples: int = 5
    flat_top_min_s: float = 0.05
    other_effort_fraction: float = 0.25
    min_segment_s: float = 0.1
    dropout_gap_periods: float = 3.0
    resolution_n: float | None = None
    noise_confidence: float = 0.95

    settings_name: ClassVar[str] = "strength trial setting"

    def __post_init__(self) -> None:
        check_non_negative_numbers(
            self, optional=("lowpass_cutoff_hz", "device_limit_n", "resolution_n")
        )
        for name in ("lowpass_order", "min_window_samples", "flat_top_min_samples"):
            if not isinstance(getattr(self, name), int):
                raise InvalidInputError(f"TrialSettings.{name} must be a whole number")
        for name in (
            "baseline_window_s",
            "plateau_window_s",
            "lowpass_order",
            "min_window_samples",
        ):
            if getattr(self, name) <= 0:
                raise InvalidInputError(f"TrialSettings.{name} must be > 0")
        if not 0.5 <= self.noise_confidence < 1:
            raise InvalidInputError("TrialSettings.noise_confidence must be in [0.5, 1)")
        if not 0 < self.other_effort_fraction <= 1:
            raise InvalidInputError("TrialSettings.other_effort_fraction must be in (0, 1]")

    def to_json(self) -> str:
        """JSON with sorted keys: the text :attr:`settings_hash` is taken over.

        It keeps ``json``'s default separators (unlike the gait and processing settings) so that
        hashes of results already written stay the same.
        """
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TrialSettings:
        """Settings from the text :meth:`to_json` wrote."""
        return cls.from_dict(json_object_from_text(text, what="strength trial settings"))

    @property
    def settings_hash(self) -> str:
        """First 16 hex digits of the SHA-256 of the canonical JSON of the settings."""
        return sha256_hex(self.to_json())[:16]

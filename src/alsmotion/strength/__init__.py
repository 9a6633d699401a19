"""Muscle strength from handheld dynamometry: one trial's force curve, muscles, sides and visits.

- :func:`analyze_trial` -> :class:`ForceTrialResult` (one force curve); :func:`find_efforts` cuts
  the efforts of a continuous recording into trials.
- :class:`StrengthProtocol` (muscles, sides, trials, make/break).
- :func:`summarize_muscle_side` and :func:`summarize_visit` -> per muscle/side and per visit tables,
  with megascore (:class:`StrengthReference`) and % predicted (:class:`NormativeTable`); body mass,
  sex, age, height and lever arms in :class:`ParticipantStrengthInfo`.
- :func:`alsmotion.strength.tindeq_csv.read_tindeq_csv` reads Tindeq Progressor app exports.
"""

from alsmotion.strength.efforts import find_efforts
from alsmotion.strength.muscle import (
    MuscleSideSummary,
    StrengthTrial,
    limb_asymmetry_pct,
    summarize_muscle_side,
    symmetry_index_pct,
)
from alsmotion.strength.normative import (
    NormativeTable,
    SubjectCharacteristics,
    load_harbo_2012,
    percent_predicted,
)
from alsmotion.strength.participant import ParticipantStrengthInfo
from alsmotion.strength.protocol import DEFAULT_MUSCLE_GROUPS, StrengthProtocol
from alsmotion.strength.reference import StrengthReference
from alsmotion.strength.settings import TrialSettings
from alsmotion.strength.trial import (
    INVALID_REASONS,
    ForceTrialAnalyzer,
    ForceTrialResult,
    analyze_trial,
)
from alsmotion.strength.visit import MuscleAsymmetry, VisitStrengthSummary, summarize_visit

__all__ = [
    "DEFAULT_MUSCLE_GROUPS",
    "INVALID_REASONS",
    "ForceTrialAnalyzer",
    "ForceTrialResult",
    "MuscleAsymmetry",
    "MuscleSideSummary",
    "NormativeTable",
    "ParticipantStrengthInfo",
    "StrengthProtocol",
    "StrengthReference",
    "StrengthTrial",
    "SubjectCharacteristics",
    "TrialSettings",
    "VisitStrengthSummary",
    "analyze_trial",
    "find_efforts",
    "limb_asymmetry_pct",
    "load_harbo_2012",
    "percent_predicted",
    "summarize_muscle_side",
    "summarize_visit",
    "symmetry_index_pct",
]

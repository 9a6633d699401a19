"""Strength tests: a guided muscle x side x trial sequence with rest timers, the live force in large
numbers against the best so far, the trial's result as the export will hold it, and a deliberate,
undoable decision.

The result of a trial comes from the session as stored, through the export's own function
(:mod:`alsmotion.gui.analysis`), on the trial's stored window: a trial started while the
participant already pushed is refused at the start, and one that is not a valid effort cannot be
accepted. Every stopped trial is logged as rejected ("no decision yet") until it is accepted.
A decision can be undone until the next trial starts; "cannot perform" is logged then.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from alsmotion.errors import AlsmotionError
from alsmotion.gui import analysis, exporting
from alsmotion.gui.context import VisitContext
from alsmotion.gui.flow import (
    ACCEPTED,
    CANNOT_PERFORM,
    REJECTED,
    StrengthFlow,
    TrialDecision,
    strength_sequence,
)
from alsmotion.gui.link import FORCE
from alsmotion.gui.screens.walk import UNDECIDED_REASON
from alsmotion.gui.trace import TrialTrace
from alsmotion.gui.visit_summary import best_accepted_n, strength_comparison
from alsmotion.gui.widgets import BigNumber, BigNumberPanel, LivePlot, heading, message_label
from alsmotion.vocabulary import DEFAULT_METHOD

WINDOW_S = 8.0
#: Force above this (N) counts as an effort; back below it for ``RELEASE_HOLD_S`` ends the trial.
EFFORT_THRESHOLD_N = 20.0
RELEASE_HOLD_S = 0.5
#: Trials of one muscle and side within this fraction of the best agree (the usual HHD rule).
CONSISTENCY_FRACTION = 0.10

REJECT_REASONS = (
    "submaximal effort",
    "compensation or trick movement",
    "dynamometer slipped or moved",
    "pain",
    "started before command",
)
CANNOT_PERFORM_REASONS = (
    "too weak to move against gravity",
    "pain",
    "contracture or injury",
    "participant declined",
)
RESULT_FIELDS = (
    ("peak_force_n", "Peak force", "N", 0),
    ("time_to_peak_s", "Time to peak", "s", 2),
    ("rfd_0_100ms_n_per_s", "RFD 0-100 ms", "N/s", 0),
)
STATUS_MARKS = {ACCEPTED: "✓", REJECTED: "✗", CANNOT_PERFORM: "–"}


def _reason_box(reasons: tuple[str, ...], placeholder: str) -> QtWidgets.QComboBox:
    box = QtWidgets.QComboBox()
    box.setEditable(True)
    box.addItems(list(reasons))
    box.setSizeAdjustPolicy(
        QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
    )
    box.setMinimumContentsLength(14)
    line = box.lineEdit()
    if line is not None:
        line.setPlaceholderText(placeholder)
    box.setCurrentIndex(-1)
    return box


def consistency_text(peak_n: float | None, best_n: float | None) -> str:
    """How a peak compares with the best accepted peak of the muscle and side (10 % rule)."""
    if peak_n is None or best_n is None or best_n <= 0:
        return ""
    ratio = peak_n / best_n
    agree = abs(ratio - 1.0) <= CONSISTENCY_FRACTION or ratio > 1.0
    verdict = "within 10 % of the best" if agree else "more than 10 % below the best"
    return f"{ratio * 100:.0f} % of the best so far ({best_n:.0f} N): {verdict}"


class StrengthScreen(QtWidgets.QWidget):
    """Walks the operator through the protocol's strength trials."""

    def __init__(self, ctx: VisitContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.trace: TrialTrace | None = None
        self.key: analysis.TrialKey | None = None
        self.result: analysis.ForceAnalysis | None = None
        self.analysing = False
        #: the last decision (with the key it was logged under and the result it was taken on),
        #: undoable until the next trial starts
        self.last: tuple[TrialDecision, analysis.TrialKey | None, Any] | None = None
        #: a "cannot perform" not logged yet (it is final once logged)
        self.pending_cannot: dict[str, Any] | None = None

        self.sequence_list = QtWidgets.QListWidget()
        self.sequence_list.setFixedWidth(210)
        self.sequence_list.setStyleSheet("font-size: 15px;")
        self.sequence_list.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.step_label = QtWidgets.QLabel("")
        self.step_label.setStyleSheet("font-size: 24px; font-weight: bold;")
        self.rest_label = QtWidgets.QLabel("")
        self.rest_label.setStyleSheet("font-size: 22px; color: #0b5394;")
        self.rest_label.setMinimumWidth(120)
        self.start_stop = QtWidgets.QPushButton("Start trial (Space)")
        self.start_stop.setStyleSheet("font-size: 22px; padding: 6px 30px;")
        self.start_stop.clicked.connect(self.toggle)
        QtGui.QShortcut(QtGui.QKeySequence("Space"), self).activated.connect(self.toggle)
        self.tare_button = QtWidgets.QPushButton("&Tare (zero)")
        self.tare_button.setToolTip("Zero the dynamometer with nothing pushing on it")
        self.tare_button.clicked.connect(self.tare)
        self.live_force = BigNumber("Force now", "N", decimals=0, size_px=40)
        self.best = BigNumber("Best accepted, this muscle and side", "N", decimals=0, size_px=30)

        self.plot = LivePlot(
            channel_names=("force",), y_label="force", y_unit="N", window_s=WINDOW_S
        )
        self.plot.source = self._plot_source
        self.plot.setMinimumHeight(140)
        self.best_line = pg.InfiniteLine(
            angle=0,
            pen=pg.mkPen("#009E73", width=2, style=QtCore.Qt.PenStyle.DashLine),
            label="best so far",
            labelOpts={"position": 0.9, "color": "#006e50"},  # clear of the legend (top left)
        )
        self.plot.addItem(self.best_line)
        self.best_line.hide()
        self.results = BigNumberPanel(RESULT_FIELDS, size_px=30)
        self.reasons = message_label()
        self.reasons.setMinimumHeight(44)
        self.comparison = QtWidgets.QLabel("")
        self.comparison.setStyleSheet("font-size: 16px; color: #333;")
        self.comparison.setWordWrap(True)
        self.comparison.setMaximumWidth(230)
        self.consistency = QtWidgets.QLabel("")
        self.consistency.setStyleSheet("font-size: 18px;")
        self.consistency.setMinimumHeight(28)

        self.accept_button = QtWidgets.QPushButton("Accept (A)")
        self.accept_button.clicked.connect(self.accept)
        self.reject_reason = _reason_box(REJECT_REASONS, "reason to reject")
        self.reject_button = QtWidgets.QPushButton("Reject and repeat (R)")
        self.reject_button.clicked.connect(self.reject)
        self.cannot_reason = _reason_box(CANNOT_PERFORM_REASONS, "why it cannot be done")
        self.cannot_button = QtWidgets.QPushButton("Cannot perform (C)")
        self.cannot_button.clicked.connect(self.cannot_perform)
        self.undo_button = QtWidgets.QPushButton("&Undo decision (Ctrl+Z)")
        self.undo_button.clicked.connect(self.undo)
        QtGui.QShortcut(QtGui.QKeySequence("Ctrl+Z"), self).activated.connect(self.undo)
        self.decision_hint = message_label()
        self.decision_hint.setStyleSheet("font-size: 16px; color: #0b3d91;")
        self.decision_hint.setMinimumHeight(44)
        for key, button in (
            ("A", self.accept_button),
            ("R", self.reject_button),
            ("C", self.cannot_button),
        ):
            button.setStyleSheet("font-size: 18px; padding: 6px 16px;")
            # single keys; typing a reason into the boxes still works (text fields take the key)
            QtGui.QShortcut(QtGui.QKeySequence(key), self).activated.connect(button.click)

        self.this_visit = QtWidgets.QListWidget()
        self.this_visit.setStyleSheet("font-size: 16px;")
        self.earlier_visits = QtWidgets.QListWidget()
        self.earlier_visits.setStyleSheet("font-size: 16px;")
        for widget in (self.this_visit, self.earlier_visits):
            widget.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
            widget.setMaximumWidth(230)
            widget.setWordWrap(True)  # "✗ trial 1, attempt 1: 180 N (submaximal effort)" whole
            widget.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        decision = QtWidgets.QGridLayout()
        decision.addWidget(self.accept_button, 0, 0)
        decision.addWidget(self.reject_reason, 0, 1)
        decision.addWidget(self.reject_button, 0, 2)
        decision.addWidget(self.undo_button, 1, 0)
        decision.addWidget(self.cannot_reason, 1, 1)
        decision.addWidget(self.cannot_button, 1, 2)
        decision.setColumnStretch(1, 1)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.rest_label)
        top.addWidget(self.start_stop)
        top.addWidget(self.tare_button)
        top.addStretch(1)
        numbers = QtWidgets.QHBoxLayout()
        numbers.addWidget(self.live_force)
        numbers.addWidget(self.best)
        centre = QtWidgets.QVBoxLayout()
        centre.addWidget(self.step_label)
        centre.addLayout(top)
        centre.addLayout(numbers)
        centre.addWidget(self.plot, 3)
        centre.addWidget(self.results)
        centre.addWidget(self.consistency)
        centre.addWidget(self.reasons)
        centre.addLayout(decision)
        centre.addWidget(self.decision_hint)
        side = QtWidgets.QVBoxLayout()
        side.addWidget(self.comparison)  # asymmetry and % predicted beside this muscle's trials
        for caption, widget in (
            ("This muscle and side, this visit:", self.this_visit),
            ("Same muscle and side, earlier visits (best peak):", self.earlier_visits),
        ):
            label = QtWidgets.QLabel(caption)
            label.setWordWrap(True)
            label.setMaximumWidth(230)
            side.addWidget(label)
            side.addWidget(widget)
        sequence = (
            QtWidgets.QVBoxLayout()
        )  # the title above the sequence: the centre starts at the top
        sequence.addWidget(heading("Strength"))
        sequence.addWidget(self.sequence_list)
        layout = QtWidgets.QHBoxLayout(self)
        layout.addLayout(sequence)
        layout.addLayout(centre, 1)
        layout.addLayout(side)
        self._earlier: dict[tuple[str, str], list[tuple[str, float]]] = {}
        self._update_controls()

    # screen protocol ---------------------------------------------------------------------------
    def entered(self) -> None:
        protocol = self.ctx.protocol
        if self.ctx.strength is None and protocol is not None:
            plan = protocol.strength
            self.ctx.strength = StrengthFlow(
                strength_sequence(plan.muscles, plan.sides, plan.trials_per_side),
                rest_s=plan.rest_between_trials_s,
            )
            metadata = self.ctx.metadata
            if metadata is not None:
                self._earlier = exporting.earlier_strength(
                    self.ctx.export_dir, metadata.participant_id
                )
        self._show_step()
        self.start_stop.setFocus()

    def left(self) -> None:
        """The operator moved to another screen: a pending "cannot perform" becomes final."""
        self.commit_pending()

    def reset(self) -> None:
        """Empty for the next visit."""
        self.trace, self.key, self.result, self.last = None, None, None, None
        self.pending_cannot = None
        self._earlier = {}
        for widget in (self.sequence_list, self.this_visit, self.earlier_visits):
            widget.clear()
        self.results.clear()
        self.step_label.setText("")
        for label in (self.reasons, self.consistency, self.decision_hint, self.comparison):
            label.setText("")
        self.plot.clear_overlays()
        self.plot.live()
        self._update_controls()

    def poll(self) -> None:
        """Collect the running trial and end it on release; called on every tick whichever
        screen is shown."""
        link = self.ctx.link
        if link is None or self.trace is None:
            return
        self.trace.add(*link.recent(FORCE, 2 * WINDOW_S))
        if analysis.force_released(
            self.trace.values[:, 0],
            threshold_n=EFFORT_THRESHOLD_N,
            hold_samples=int(RELEASE_HOLD_S * link.nominal_rate_hz(FORCE)),
        ):
            self.stop()

    def tick(self) -> None:
        flow, link = self.ctx.strength, self.ctx.link
        if flow is None or link is None:
            return
        rest_s = flow.rest_remaining_s(time.monotonic())
        self.rest_label.setText(f"Rest {rest_s:.0f} s" if rest_s > 0 else "Ready")
        now_n = self._force_now_n()
        self.live_force.set_value(now_n)
        if self.trace is not None and len(self.trace):
            self.consistency.setText(
                consistency_text(float(self.trace.values[:, 0].max()), self._best_n())
            )
        self.plot.refresh()

    # trial ---------------------------------------------------------------------------------
    def toggle(self) -> None:
        if self.trace is not None:
            self.stop()
        else:
            self.start()

    def start(self) -> None:
        flow = self.ctx.strength
        step = flow.current if flow is not None else None
        if flow is None or step is None or self.analysing or self.result is not None:
            return
        if self.ctx.running_trial is not None:
            self.reasons.setText(f"{self.ctx.running_trial} is running: stop it first.")
            return
        now_n = self._force_now_n()
        if now_n is not None and now_n > EFFORT_THRESHOLD_N:
            self.reasons.setText(
                f"The dynamometer reads {now_n:.0f} N: ask the participant to relax before "
                "starting (press Tare if it reads force with nothing pushing)."
            )
            return
        key = analysis.TrialKey("HHD", step.trial, flow.attempt, step.muscle, step.side)
        try:
            link = self.ctx.require_link()
            self.commit_pending()
            link.log_event("trial_started", **self._fields(key))
        except AlsmotionError as exc:
            self.reasons.setText(str(exc))
            return
        self.last = None
        self.key = key
        self.ctx.running_trial = f"{step.label} (attempt {flow.attempt})"
        self.trace = TrialTrace(n_channels=1, start_s=link.clock_s())
        self.plot.clear_overlays()
        self.plot.live()
        self.results.clear()
        self.consistency.setText("")
        self.decision_hint.setText("")
        self.reasons.setText("Push… the trial ends on release.")
        self.start_stop.setText("Stop trial (Space)")
        self._update_controls()

    def stop(self) -> None:
        trace, key = self.trace, self.key
        if trace is None or key is None:
            return
        self.trace = None
        link = self.ctx.require_link()
        link.log_event("trial_stopped", **self._fields(key))
        link.log_event("trial_rejected", reason=UNDECIDED_REASON, **self._fields(key))
        self.ctx.running_trial = None
        self.analysing = True
        self.start_stop.setText("Start trial (Space)")
        self.reasons.setText("Analysing…")
        self._update_controls()
        session_path = link.session_path
        self.ctx.worker.submit(
            lambda: analysis.analyse_stored_force(
                session_path, key, streaming=lambda: link.streaming(FORCE)
            ),
            self._show_result,
            self._failed,
        )

    def _show_result(self, result: analysis.ForceAnalysis) -> None:
        self.analysing = False
        self.result = result
        self.results.show_values(dict(result.measures))
        if not result.valid:
            text = "Not a valid trial: " + "; ".join(result.reasons) + ". Reject and repeat it."
        elif result.reasons:
            text = "Check: " + "; ".join(result.reasons)
        else:
            text = ""
        self.reasons.setText(text)
        if len(result.trace.time_s):
            self.plot.show_trial(result.trace.time_s, result.trace.values)
        lines, labels = [], []
        if result.onset_time_s is not None:
            lines.append(result.onset_time_s)
            labels.append("onset")
        self.plot.set_lines(lines, labels)
        peak_n = result.measures.get("peak_force_n")
        if result.peak_time_s is not None and peak_n is not None:
            self.plot.set_markers(np.array([result.peak_time_s]), np.array([peak_n]))
        self.consistency.setText(consistency_text(peak_n, self._best_n()) if result.valid else "")
        self._update_controls()
        self._show_hint()
        (self.accept_button if result.valid else self.reject_reason).setFocus()

    def _failed(self, exc: BaseException) -> None:
        text = str(exc) if isinstance(exc, AlsmotionError) else repr(exc)
        self._show_result(analysis.ForceAnalysis.empty(f"analysis failed: {text}"))

    def tare(self) -> None:
        if self.trace is not None:
            self.reasons.setText("Tare between trials, with nothing pushing on the dynamometer.")
            return
        try:
            link = self.ctx.require_link()
        except AlsmotionError as exc:
            self.reasons.setText(str(exc))
            return
        self.tare_button.setEnabled(False)
        self.reasons.setText("Zeroing the dynamometer…")

        def done(_: object) -> None:
            self.tare_button.setEnabled(True)
            self.reasons.setText("Dynamometer zeroed.")
            link.log_event("note", text="dynamometer tared", stream=FORCE)

        def failed(exc: BaseException) -> None:
            self.tare_button.setEnabled(True)
            self.reasons.setText(
                "Could not zero the dynamometer: "
                + (str(exc) if isinstance(exc, AlsmotionError) else repr(exc))
            )

        self.ctx.worker.submit(lambda: link.tare(FORCE), done, failed)

    # decisions -------------------------------------------------------------------------------
    def accept(self) -> None:
        flow, result, key = self.ctx.strength, self.result, self.key
        if flow is None or result is None or key is None or flow.current is None:
            return
        if not result.valid:
            self.decision_hint.setText(
                "This trial cannot be accepted: the export has no valid force curve for it. "
                "Reject and repeat it."
            )
            return
        self.ctx.require_link().log_event("trial_accepted", **self._fields(key))
        decision = flow.accept(result.measures, now_s=time.monotonic())
        self._decided(decision, key)

    def reject(self) -> None:
        flow, result, key = self.ctx.strength, self.result, self.key
        reason = self.reject_reason.currentText().strip()
        if flow is None or result is None or key is None or flow.current is None:
            return
        if not reason:
            self.decision_hint.setText("Choose or type the reason to reject, then press R.")
            self.reject_reason.setFocus()
            return
        self.ctx.require_link().log_event("trial_rejected", reason=reason, **self._fields(key))
        decision = flow.reject(reason, result.measures, now_s=time.monotonic())
        self._decided(decision, key)

    def cannot_perform(self) -> None:
        flow = self.ctx.strength
        reason = self.cannot_reason.currentText().strip()
        if flow is None or flow.current is None or self.trace is not None or self.analysing:
            return
        if not reason:
            self.decision_hint.setText("Choose or type why it cannot be done, then press C.")
            self.cannot_reason.setFocus()
            return
        step = flow.current
        self.commit_pending()
        self.pending_cannot = {
            "test": "HHD",
            "muscle": step.muscle,
            "side": step.side,
            "reason": reason,
        }
        decision = flow.cannot_perform(reason, now_s=time.monotonic())
        self._decided(decision, None)

    def undo(self) -> None:
        """Take back the last decision (until the next trial starts)."""
        flow, last = self.ctx.strength, self.last
        if flow is None or last is None:
            return
        decision, key, result = last
        flow.undo()
        self.last = None
        if decision.status == CANNOT_PERFORM:
            self.pending_cannot = None
        elif key is not None:
            self.ctx.require_link().log_event(
                "trial_rejected",
                reason=f"{UNDECIDED_REASON} (decision undone)",
                **self._fields(key),
            )
            self.key, self.result = key, result
        self._show_step()
        if self.result is not None:
            self._show_result(self.result)
        self.decision_hint.setText(f"Undone: {self._decision_text(decision)}. Decide again.")

    def commit_pending(self) -> None:
        """Log a pending "cannot perform" (before the next trial, on leaving, on export)."""
        fields, self.pending_cannot = self.pending_cannot, None
        if fields is not None:
            self.ctx.require_link().log_event("cannot_perform", **fields)

    def _decided(self, decision: TrialDecision, key: analysis.TrialKey | None) -> None:
        self.last = (decision, key, self.result)
        self.result = None
        self.plot.clear_overlays()
        self.plot.live()
        self.results.clear()
        self.reasons.setText("")
        self.consistency.setText("")
        self.reject_reason.setCurrentIndex(-1)
        self.cannot_reason.setCurrentIndex(-1)
        self._show_step()
        self.decision_hint.setText(
            f"Recorded: {self._decision_text(decision)}. Undo (Ctrl+Z) until the next trial starts."
        )
        self.start_stop.setFocus()

    def _decision_text(self, decision: TrialDecision) -> str:
        step = decision.step
        where = f"{step.muscle.replace('_', ' ')} {step.side}"
        if decision.status == CANNOT_PERFORM:
            return f"{where} cannot be performed ({decision.reason}); its remaining trials skipped"
        peak = decision.measures.get("peak_force_n")
        value = f", {peak:.0f} N" if peak is not None else ""
        what = "accepted" if decision.status == ACCEPTED else f"rejected ({decision.reason})"
        return f"{where} trial {step.trial}, attempt {decision.attempt}{value}: {what}"

    def _show_hint(self) -> None:
        flow, result = self.ctx.strength, self.result
        step = flow.current if flow is not None else None
        if step is None or result is None:
            return
        peak = result.measures.get("peak_force_n")
        value = f" with {peak:.0f} N" if peak is not None and result.valid else ""
        accept = (
            f"A: trial {step.trial} (attempt {flow.attempt}) accepted{value}"
            if result.valid
            else "A: not possible (no valid curve)"
        )
        self.decision_hint.setText(  # two lines at most: the decision row stays put
            f"{accept}; R: rejected with the chosen reason, repeated as attempt "
            f"{flow.attempt + 1}; C: {step.muscle.replace('_', ' ')} {step.side} cannot be "
            "performed."
        )

    def _update_controls(self) -> None:
        flow = self.ctx.strength
        due = flow is not None and flow.current is not None
        deciding = self.result is not None
        self.accept_button.setEnabled(deciding and bool(self.result and self.result.valid))
        self.reject_button.setEnabled(deciding)
        running = self.trace is not None
        self.start_stop.setEnabled(due and not deciding and not self.analysing)
        self.cannot_button.setEnabled(due and not running and not self.analysing)
        self.tare_button.setEnabled(self.ctx.link is not None and not running)
        self.undo_button.setEnabled(self.last is not None and not running)

    def _fields(self, key: analysis.TrialKey) -> dict[str, Any]:
        protocol = self.ctx.protocol
        method = protocol.strength.test_type if protocol is not None else DEFAULT_METHOD
        return {**key.event_fields(), "method": method}

    def _best_n(self) -> float | None:
        flow = self.ctx.strength
        step = flow.current if flow is not None else None
        if flow is None or step is None:
            return None
        return best_accepted_n(flow.decisions, step.muscle, step.side)

    def _force_now_n(self) -> float | None:
        link = self.ctx.link
        if link is None:
            return None
        _, values = link.recent(FORCE, 0.1)
        return float(values[-1, 0]) if len(values) else None

    def _show_step(self) -> None:
        flow = self.ctx.strength
        if flow is None:
            self._update_controls()
            return
        self.sequence_list.clear()
        decided = {
            (d.step.muscle, d.step.side, d.step.trial): d.status
            for d in flow.decisions
            if d.status != REJECTED
        }
        for index, step in enumerate(flow.sequence):
            status = decided.get((step.muscle, step.side, step.trial))
            if status is None and flow.is_skipped(step):
                status = CANNOT_PERFORM
            mark = STATUS_MARKS.get(status or "", "▶" if step == flow.current else " ")
            side = step.side[0].upper()
            muscle = step.muscle.replace("_", " ")
            self.sequence_list.addItem(
                f"{mark} {muscle} {side} {step.trial}/{step.trials_per_side}"
            )
            if step == flow.current:
                self.sequence_list.setCurrentRow(index)
        step = flow.current
        self._update_controls()
        if step is None:
            self.step_label.setText("Strength sequence complete")
            self.comparison.setText("")
            self.best_line.hide()
            return
        self.step_label.setText(f"{step.label}, attempt {flow.attempt}")
        facts = self.ctx.metadata.extra if self.ctx.metadata is not None else {}
        self.comparison.setText(strength_comparison(flow.decisions, step.muscle, step.side, facts))
        best_n = self._best_n()
        self.best.set_value(best_n)
        if best_n is not None:
            self.best_line.setValue(best_n)
            self.best_line.show()
        else:
            self.best_line.hide()
        self.this_visit.clear()
        for decision in flow.previous_trials(step.muscle, step.side):
            peak = decision.measures.get("peak_force_n")
            peak_text = f"{peak:.0f} N" if peak is not None else "–"
            self.this_visit.addItem(
                f"{STATUS_MARKS[decision.status]} trial {decision.step.trial}, "
                f"attempt {decision.attempt}: {peak_text}"
                + (f" ({decision.reason})" if decision.reason else "")
            )
        self.earlier_visits.clear()
        for visit, peak_n in self._earlier.get((step.muscle, step.side), []):
            self.earlier_visits.addItem(f"{visit}: {peak_n:.0f} N")

    def _plot_source(self) -> tuple[np.ndarray, np.ndarray]:
        if self.trace is not None:
            return self.trace.time_s, self.trace.values
        link = self.ctx.link
        if link is None:
            return np.empty(0), np.empty((0, 1))
        return link.recent(FORCE, WINDOW_S)

"""Start screen: participant pseudonym, visit (with what is due), operator and protocol."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6 import QtWidgets

from alsmotion.errors import AlsmotionError
from alsmotion.gui import visit_plan
from alsmotion.gui.context import VisitContext
from alsmotion.gui.protocols import PROTOCOLS
from alsmotion.gui.widgets import heading, message_label
from alsmotion.strength.normative import SEXES

#: Lever-arm fields per row on the start screen.
LEVER_COLUMNS = 3


#: Field names of the session metadata as the start screen labels them.
_FIELD_WORDS = {
    "participant_id": "Participant",
    "session metadata needs a non-empty operator": "Enter the operator's initials or code",
    "session metadata needs a non-empty visit": "Choose the visit",
}


def _in_clinic_words(message: str) -> str:
    """A metadata error with the screen's field names instead of the file's."""
    for code, words in _FIELD_WORDS.items():
        message = message.replace(code, words)
    return message[:1].upper() + message[1:]


def _optional_number(
    low: float, high: float, decimals: int, suffix: str, unset: str
) -> QtWidgets.QDoubleSpinBox:
    """A number field whose lowest value (0) reads as ``unset``."""
    box = QtWidgets.QDoubleSpinBox()
    box.setRange(low, high)
    box.setDecimals(decimals)
    box.setSuffix(suffix)
    box.setSpecialValueText(unset)
    return box


class StartScreen(QtWidgets.QWidget):
    """Who is measured, at which visit, by whom, following which protocol."""

    def __init__(self, ctx: VisitContext, *, on_done: Callable[[], None]) -> None:
        super().__init__()
        self.ctx = ctx
        self.on_done = on_done
        self.participant = QtWidgets.QComboBox()
        self.participant.setEditable(True)
        self.participant.setToolTip("Study pseudonym, e.g. ALS-001 (never a name or birth date)")
        self.visit = QtWidgets.QComboBox()
        self.visit_info = QtWidgets.QLabel("")
        self.visit_info.setWordWrap(True)
        self.visit_info.setStyleSheet("font-size: 16px;")
        self.operator = QtWidgets.QLineEdit()
        self.operator.setPlaceholderText("operator initials or code")
        self.height_m = QtWidgets.QDoubleSpinBox()
        self.height_m.setRange(0.0, 2.5)
        self.height_m.setDecimals(2)
        self.height_m.setSingleStep(0.01)
        self.height_m.setSuffix(" m")
        self.height_m.setSpecialValueText("not measured")
        self.height_m.setToolTip("Body height for step length and gait speed (0: not measured)")
        self.body_mass_kg = _optional_number(0.0, 300.0, 1, " kg", "not measured")
        self.body_mass_kg.setToolTip("Body mass for force per kg and % predicted (0: not measured)")
        self.age_years = _optional_number(0.0, 120.0, 0, " years", "not recorded")
        self.sex = QtWidgets.QComboBox()
        self.sex.addItems(["not recorded", *SEXES])
        self.sex.setToolTip("For the normative strength equations (% predicted)")
        self.protocol = QtWidgets.QComboBox()
        self.protocol.addItems(list(PROTOCOLS))
        # lever arm (joint axis to dynamometer) per muscle of the protocol, for torque
        self.lever_arms = QtWidgets.QWidget()
        self.lever_grid = QtWidgets.QGridLayout(self.lever_arms)
        self.lever_grid.setContentsMargins(0, 0, 0, 0)
        self.lever_arm_m: dict[str, QtWidgets.QDoubleSpinBox] = {}
        self.protocol.currentTextChanged.connect(self._protocol_changed)
        self.error = message_label()
        self.error.setMinimumHeight(44)  # two lines
        self.continue_button = QtWidgets.QPushButton("&Continue to devices")
        self.continue_button.setDefault(True)
        self.continue_button.clicked.connect(self.submit)

        form = QtWidgets.QFormLayout()
        form.setVerticalSpacing(4)
        for label, field in (
            ("&Participant", self.participant),
            ("&Visit", self.visit),
            ("", self.visit_info),
            ("&Operator", self.operator),
            ("Body &height", self.height_m),
            ("Body &mass", self.body_mass_kg),
            ("&Age", self.age_years),
            ("S&ex", self.sex),
            ("P&rotocol", self.protocol),
            ("Lever arms", self.lever_arms),
        ):
            form.addRow(label, field)
            caption = form.labelForField(field)
            if isinstance(caption, QtWidgets.QLabel):
                caption.setBuddy(field)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(heading("Start a visit"))
        layout.addLayout(form)
        layout.addWidget(self.continue_button)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.setStyleSheet(
            "QLabel, QPushButton { font-size: 17px; } "
            "QLineEdit, QComboBox, QDoubleSpinBox { font-size: 18px; min-height: 30px; }"
        )

        self.participant.currentTextChanged.connect(self._participant_changed)
        self.participant.currentTextChanged.connect(lambda _: self.error.setText(""))
        self.operator.textChanged.connect(lambda _: self.error.setText(""))
        self.visit.currentIndexChanged.connect(self._visit_changed)
        self._plan: visit_plan.VisitPlan | None = None
        self._protocol_changed(self.protocol.currentText())

    def _protocol_changed(self, name: str) -> None:
        """One lever-arm field per muscle group of the protocol (values kept across changes)."""
        kept = {muscle: box.value() for muscle, box in self.lever_arm_m.items()}
        while self.lever_grid.count():
            item = self.lever_grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()  # at once: deleteLater waits for the event loop
                widget.deleteLater()
        self.lever_arm_m = {}
        protocol = PROTOCOLS.get(name)
        for index, muscle in enumerate(protocol.strength.muscles if protocol else ()):
            box = _optional_number(0.0, 1.5, 2, " m", "–")
            box.setMinimumWidth(110)
            box.setValue(kept.get(muscle, 0.0))
            box.setToolTip(
                f"{muscle.replace('_', ' ')}: joint axis to dynamometer (0: not measured)"
            )
            caption = QtWidgets.QLabel(muscle.replace("_", " "))
            caption.setStyleSheet("font-size: 14px;")
            row, column = divmod(index, LEVER_COLUMNS)
            self.lever_grid.addWidget(caption, row, 2 * column)
            self.lever_grid.addWidget(box, row, 2 * column + 1)
            if self.isVisible():  # added after the screen was shown: Qt leaves them hidden
                caption.show()
                box.show()
            self.lever_arm_m[muscle] = box
        self.lever_grid.setColumnStretch(2 * LEVER_COLUMNS, 1)

    def entered(self) -> None:
        known = visit_plan.known_participants(self.ctx.data_dir)
        current = self.participant.currentText()
        self.participant.blockSignals(True)
        self.participant.clear()
        self.participant.addItems(known)
        self.participant.setEditText(current)
        self.participant.blockSignals(False)
        self._participant_changed(current)

    def tick(self) -> None:
        """Nothing live on this screen."""

    def reset(self) -> None:
        """Empty the form for the next visit (the protocol choice stays)."""
        self.participant.setEditText("")
        self.operator.clear()
        for box in (self.height_m, self.body_mass_kg, self.age_years, *self.lever_arm_m.values()):
            box.setValue(0.0)
        self.sex.setCurrentIndex(0)
        self.error.setText("")

    def _participant_changed(self, text: str) -> None:
        self._plan = visit_plan.plan_for(
            self.ctx.data_dir, text.strip(), today=datetime.now(UTC).date()
        )
        self.visit.blockSignals(True)
        self.visit.clear()
        for option in self._plan.options:
            self.visit.addItem(option.label, option.visit)
        self.visit.setCurrentIndex(self._plan.suggested_index)
        self.visit.blockSignals(False)
        self._visit_changed(self.visit.currentIndex())

    def _visit_changed(self, index: int) -> None:
        if self._plan is not None and 0 <= index < len(self._plan.options):
            self.visit_info.setText(self._plan.options[index].detail)

    def _participant_facts(self) -> dict[str, Any]:
        """Height, mass, age, sex and lever arms as the session metadata's extra facts (the keys
        :mod:`alsmotion.processing` reads); fields left at "not measured" are left out."""
        facts: dict[str, Any] = {}
        for key, box in (
            ("height_m", self.height_m),
            ("body_mass_kg", self.body_mass_kg),
            ("age_years", self.age_years),
        ):
            if box.value():
                facts[key] = box.value()
        if self.sex.currentIndex() > 0:
            facts["sex"] = self.sex.currentText()
        arms = {muscle: box.value() for muscle, box in self.lever_arm_m.items() if box.value()}
        if arms:
            facts["lever_arms_m"] = arms
        return facts

    def submit(self) -> None:
        """Validate the entries and create the session metadata; PHI and blanks are refused."""
        from alsmotion.session import SessionMetadata

        try:
            metadata = SessionMetadata(
                participant_id=self.participant.currentText().strip(),
                visit=str(self.visit.currentData() or ""),
                protocol=self.protocol.currentText(),
                operator=self.operator.text().strip(),
                extra=self._participant_facts(),
            )
        except AlsmotionError as exc:
            self.error.setText(_in_clinic_words(str(exc)))
            return
        self.error.setText("")
        self.ctx.metadata = metadata
        self.ctx.protocol = PROTOCOLS[metadata.protocol]
        self.on_done()

"""``alsmotion scan`` and ``alsmotion record`` end to end with the simulated twins."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from alsmotion.cli import main
from alsmotion.session import Session, verify_session


def test_scan_lists_the_simulated_devices(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--simulate", "--timeout-s", "0.2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert any(line.startswith("imu=") and "WT901BLECL" in line for line in out)
    assert any(line.startswith("force=") and "Progressor" in line for line in out)


def test_record_simulated_session(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["record", "--simulate", "--device", "imu=SIM1", "--device", "force=SIM2"]
    argv += ["--participant", "ALS-004", "--visit", "day90", "--out", str(tmp_path)]
    assert main([*argv, "--duration-s", "1.5", "--imu-rate-hz", "50"]) == 0
    out = capsys.readouterr().out
    assert "imu: WT901BLECL SIM1" in out and "0 gaps" in out
    (path,) = tmp_path.iterdir()
    assert verify_session(path).ok
    session = Session.open(path)
    assert session.metadata.participant_id == "ALS-004"
    assert session.streams["imu"].sampling_rate_hz == 50.0
    assert 40 <= session.streams["imu"].n_samples <= 80  # 1.5 s at 50 Hz, less the connection
    assert session.streams["force"].channels == (("force", "N"),)


def test_record_movesense_by_model_prefix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["record", "--simulate", "--device", "imu=movesense:C4:00:00:00:00:07"]
    argv += ["--participant", "ALS-004", "--visit", "v", "--out", str(tmp_path), "--scan-s", "0.2"]
    assert main([*argv, "--duration-s", "1.5"]) == 0
    assert "imu: Movesense C4:00:00:00:00:07" in capsys.readouterr().out
    (path,) = tmp_path.iterdir()
    stream = Session.open(path).streams["imu"]
    assert stream.device.model == "Movesense" and stream.sampling_rate_hz == 104.0
    assert [unit for _, unit in stream.channels] == ["m/s^2"] * 3 + ["rad/s"] * 3 + ["T"] * 3
    assert 60 <= stream.n_samples <= 160  # 1.5 s at 104 Hz in messages of 8, less the connection
    # Its device time is the sensor's ms clock (since its boot), not a sample count.
    assert np.all(np.diff(stream.device_time_s) > 0) and stream.device_time_s[0] > 1.0
    assert main([*argv, "--duration-s", "1", "--imu-rate-hz", "100"]) == 2
    assert "cannot sample at 100 Hz: choose one of 13, 26, 52, 104, 208" in capsys.readouterr().err


def test_record_rejects_bad_devices(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["record", "--simulate", "--participant", "ALS-004", "--visit", "v"]
    argv += ["--out", str(tmp_path), "--duration-s", "1"]
    assert main([*argv, "--device", "emg=SIM1"]) == 2
    assert "unknown device kind" in capsys.readouterr().err
    assert main([*argv, "--device", "imu=SIM1", "--imu-rate-hz", "150"]) == 2
    assert "cannot sample at 150 Hz" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*argv, "--device", "imu"])
    assert not list(tmp_path.iterdir())


def test_without_bluez_scan_and_record_say_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
    assert main(["scan", "--timeout-s", "0.5"]) == 2
    assert "BlueZ (bluetoothd) is running" in capsys.readouterr().err
    argv = ["record", "--device", "imu=AA:BB:CC:DD:EE:FF", "--participant", "ALS-006"]
    argv += ["--visit", "v", "--out", str(tmp_path), "--duration-s", "60", "--scan-s", "0.5"]
    assert main(argv) == 2  # at the scan, not after --duration-s
    assert "bluetoothd" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def _record_force(tmp_path: Path, *extra: str) -> tuple[int, Session | None]:
    argv = ["record", "--simulate", "--device", "force=Progressor_4218", "--participant", "ALS-004"]
    argv += ["--visit", "v", "--out", str(tmp_path), "--duration-s", "1.0", "--scan-s", "0.2"]
    code = main([*argv, *extra])
    paths = list(tmp_path.iterdir())
    return code, Session.open(paths[0]) if paths else None


def test_record_finds_a_device_by_name_prefix_and_tares_it_once(tmp_path: Path) -> None:
    code, session = _record_force(tmp_path / "tared")
    assert code == 0 and session is not None
    tares = [r for r in session.event_records if r["type"] == "note" and r.get("tare")]
    assert len(tares) == 1 and tares[0]["stream"] == "force" and tares[0]["command_hex"] == "6400"
    # The simulated gauge reads 0.45 kg unloaded; tared, the quiet start reads about 0 N.
    assert abs(float(session.streams["force"].values[:20, 0].mean())) < 1.0
    code, untared = _record_force(tmp_path / "untared", "--no-tare")
    assert code == 0 and untared is not None
    assert not [r for r in untared.event_records if r.get("tare")]
    assert untared.streams["force"].values[:20, 0].mean() == pytest.approx(0.45 * 9.80665, abs=1.0)


def test_record_refuses_a_malformed_address_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["record", "--device", "force=C4:3E:11:22:33", "--participant", "ALS-004"]
    assert main([*argv, "--visit", "v", "--out", str(tmp_path), "--duration-s", "60"]) == 2
    assert "is not a Bluetooth address" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_record_marks_trials_from_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # walk 1 accepted with a mistyped then a stopwatch time, walk 2 rejected; strength trial 1
    # accepted, then cannot perform.
    answers = ["", "", "", "8,1", "8.05", "", "", "stumbled", "", "", "", "c pain"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(answers) + "\n"))
    argv = ["record", "--simulate", "--device", "force=SIM2", "--participant", "ALS-004"]
    argv += ["--visit", "v", "--out", str(tmp_path), "--scan-s", "0.2"]
    argv += ["--trial", "10MWT:2", "--trial", "HHD:knee_extension:left:3"]
    assert main(argv) == 0  # stops after the plan, no --duration-s
    assert "HHD knee_extension left trial 2 of 3" in capsys.readouterr().out
    (path,) = tmp_path.iterdir()
    events = [
        r for r in Session.open(path).event_records if r["type"].startswith(("trial", "cannot"))
    ]
    summary = [(r["type"], r["test"], r.get("trial")) for r in events]
    assert summary == [
        ("trial_started", "10MWT", 1),
        ("trial_stopped", "10MWT", 1),
        ("trial_accepted", "10MWT", 1),
        ("trial_started", "10MWT", 2),
        ("trial_stopped", "10MWT", 2),
        ("trial_rejected", "10MWT", 2),
        ("trial_started", "HHD", 1),
        ("trial_stopped", "HHD", 1),
        ("trial_accepted", "HHD", 1),
        ("cannot_perform", "HHD", None),
    ]
    assert events[5]["reason"] == "stumbled" and events[-1]["reason"] == "pain"
    assert events[6]["muscle"] == "knee_extension" and events[6]["method"] == "make"
    references = [r for r in Session.open(path).event_records if r["type"] == "reference_value"]
    assert [(r["test"], r["trial"], r["quantity"], r["value"]) for r in references] == [
        ("10MWT", 1, "walk_time_s", 8.05)
    ]
    assert references[0]["reference_method"] == "stopwatch"


def test_record_refuses_a_bad_trial_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["record", "--simulate", "--device", "force=SIM2", "--participant", "ALS-004"]
    argv += ["--visit", "v", "--out", str(tmp_path), "--trial", "HHD:3"]
    assert main(argv) == 2
    assert "HHD:MUSCLE:SIDE:N" in capsys.readouterr().err

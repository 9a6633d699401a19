"""GENEActiv .bin files: the writer twin's pages read back exactly (calibrated as the header
says), chunk by chunk on the nominal grid; damaged files refused with the file and byte offset;
actfast (when installed) reads the twin's files the same; ``alsmotion home`` end to end."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from device_file_helpers import chunks, noisy_accel, walk_between_rests

from alsmotion.cli import main
from alsmotion.errors import InvalidRecordingError
from alsmotion.home.sources import read_home_device_file
from alsmotion.readers.geneactiv_bin import _decode, open_geneactiv_bin
from alsmotion.simulate.geneactiv_bin import quantized_g, write_geneactiv_bin
from alsmotion.units import STANDARD_GRAVITY_MPS2

RATE_HZ = 100.0
#: Not on a whole second: page times carry milliseconds.
START = pd.Timestamp("2026-02-03T09:00:00.25Z")
#: Pages not recorded (4 pages of 3 s).
GAP = slice(30_000, 31_200)


def _accel(n: int, seed: int = 0) -> np.ndarray:
    return noisy_accel(n, gap=GAP, seed=seed)


def _chunks(accel: np.ndarray, size: int = 36_000):
    return chunks(accel, size)


@pytest.fixture(scope="module")
def bin_file(tmp_path_factory):
    accel = _accel(60_000)
    path = tmp_path_factory.mktemp("bin") / "GA.bin"
    write_geneactiv_bin(path, _chunks(accel), sampling_rate_hz=RATE_HZ, start_utc=START)
    return path, accel


def test_samples_decode_as_48_bit_words():
    # x = -1 (0xFFF), y = 2047 (0x7FF), z = -2048 (0x800), light 0x155, button 1
    word = (0xFFF << 36) | (0x7FF << 24) | (0x800 << 12) | (0x155 << 2) | (1 << 1)
    data = np.frombuffer(word.to_bytes(6, "big"), dtype=np.uint8)
    np.testing.assert_array_equal(_decode(data), [[-1, 2047, -2048]])


def test_chunks_hold_the_written_samples_on_the_grid(bin_file):
    path, accel = bin_file
    recording = read_home_device_file(path, participant_id="P01")
    assert recording.sampling_rate_hz == RATE_HZ and recording.n_samples == len(accel)
    assert recording.start_utc == START  # the header declares Time Zone:GMT +00:00
    read = np.vstack([part for _, part in recording.chunks(chunk_s=110.0)])
    gap = np.isnan(read).any(axis=1)
    np.testing.assert_array_equal(gap, np.isnan(accel).any(axis=1))
    expected = quantized_g(accel) * STANDARD_GRAVITY_MPS2
    np.testing.assert_allclose(read[~gap], expected[~gap], atol=1e-6)


def test_raw_samples_and_page_times_are_exact(bin_file):
    path, accel = bin_file
    device = open_geneactiv_bin(path)
    assert device.serial == "070123" and len(device.page_s) == 196
    values = np.concatenate([a for _, a in device.timed_samples()])
    times = np.concatenate([t for t, _ in device.timed_samples()])
    recorded = ~np.isnan(accel).any(axis=1)
    np.testing.assert_allclose(values, quantized_g(accel[recorded]), atol=1e-12)
    assert device.origin_s == START.value // 10**9
    np.testing.assert_allclose(times, 0.25 + np.flatnonzero(recorded) / RATE_HZ, atol=1e-9)


def _damaged(path, tmp_path, edit):
    out = tmp_path / "damaged.bin"
    out.write_bytes(bytes(edit(bytearray(path.read_bytes()))))
    return out


def _page_offset(path, page):
    """Byte offset of a page's 'Recorded Data' line."""
    data = path.read_bytes()
    at = -1
    for _ in range(page + 1):
        at = data.index(b"Recorded Data", at + 1)
    return at


def test_damaged_files_are_refused_naming_file_and_byte(bin_file, tmp_path):
    path, _ = bin_file
    page3 = _page_offset(path, 3)
    hex3 = path.read_bytes().index(b"Measurement Frequency:100\r\n", page3) + 27

    def bad_digit(data):
        data[hex3 + 100] = ord("G")
        return data

    cases = [
        (bad_digit, hex3, "not hexadecimal"),
        (lambda d: d[: _page_offset(path, 5) + 400], _page_offset(path, 5), "cut short"),
        (lambda d: d[: hex3 + 1000] + d[hex3 + 1012 :], hex3, "cut short or damaged"),
        (lambda d: d.replace(b"Page Time:", b"Page Tine:", 1), _page_offset(path, 0), "Page Time"),
    ]
    for edit, offset, words in cases:
        damaged = _damaged(path, tmp_path, edit)
        with pytest.raises(InvalidRecordingError, match=words) as caught:
            open_geneactiv_bin(damaged)
        assert caught.value.offset == offset and caught.value.path == damaged, words
        assert f"{damaged}, byte {offset}: " in str(caught.value)


def test_foreign_files_are_refused(tmp_path):
    other = tmp_path / "other.bin"
    other.write_bytes(b"\x00\x01 some other device's binary file")
    with pytest.raises(InvalidRecordingError, match="Device Identity"):
        open_geneactiv_bin(other)


def test_actfast_reads_the_twin_the_same(bin_file):
    actfast = pytest.importorskip("actfast")
    path, accel = bin_file
    series = actfast.read(str(path))["timeseries"]["high_frequency"]
    recorded = ~np.isnan(accel).any(axis=1)
    np.testing.assert_allclose(series["acceleration"], quantized_g(accel[recorded]), atol=1e-6)
    expected_ns = START.value + np.flatnonzero(recorded) * round(1e9 / RATE_HZ)
    np.testing.assert_array_equal(series["datetime"], expected_ns)


def test_alsmotion_home_reads_a_bin_file(tmp_path, capsys):
    accel = walk_between_rests(RATE_HZ)
    accel = accel[: len(accel) // 6_000 * 6_000]  # whole pages in whole chunks
    path = tmp_path / "P09_left.bin"
    write_geneactiv_bin(path, _chunks(accel, 6_000), sampling_rate_hz=RATE_HZ, start_utc=START)
    code = main(
        [
            *("home", str(path), "--participant", "P09", "--sensor-height-m", "0.95"),
            *("--min-worn-hours", "0.2", "--out", str(tmp_path / "out"), "--no-progress"),
        ]
    )
    assert code == 0, capsys.readouterr().err
    bouts = pd.read_csv(tmp_path / "out" / "bouts.csv")
    assert len(bouts) == 1 and bouts["n_steps"].iloc[0] == pytest.approx(120, abs=3)


def test_the_header_time_zone_puts_the_file_on_utc(tmp_path):
    accel = np.array([0.0, 0.0, STANDARD_GRAVITY_MPS2]) + np.zeros((3000, 3))
    path = write_geneactiv_bin(
        tmp_path / "west.bin", [(0, accel)], sampling_rate_hz=RATE_HZ, start_utc=START,
        utc_offset_s=-5 * 3600,
    )  # fmt: skip
    assert b"Time Zone:GMT -05:00" in path.read_bytes()[:2000]
    device = open_geneactiv_bin(path)
    assert device.utc_offset_s == -5 * 3600
    assert device.origin_s == START.value // 10**9 - 5 * 3600  # pages carry the local clock
    assert read_home_device_file(path, participant_id="P01").start_utc == START

"""Decoders against byte vectors built by hand from the vendors' published formats."""

from __future__ import annotations

import asyncio
import math
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alsmotion.acquisition.decoders import movesense, tindeq, witmotion
from alsmotion.acquisition.devices import MovesenseImu, TindeqProgressor, WitMotionImu
from alsmotion.acquisition.twins import MovesenseTwin
from alsmotion.errors import InvalidInputError

G = 9.80665


def wit_frame(*counts: int) -> bytes:
    """A ``55 61`` frame from nine int16 counts, packed independently of the encoder."""
    return b"\x55\x61" + struct.pack("<9h", *counts)


def test_witmotion_frame_scales_to_si() -> None:
    frame = wit_frame(16384, -16384, 2048, 16384, 0, -32768, 16384, -8192, 0)
    values = witmotion.decode_data_frames([frame])
    expected = [
        8 * G,
        -8 * G,
        1 * G,
        math.radians(1000),
        0.0,
        math.radians(-2000),
        math.radians(90),
        math.radians(-45),
        0.0,
    ]
    np.testing.assert_allclose(values[0], expected, rtol=1e-12, atol=1e-12)


def test_witmotion_resyncs_over_garbage_and_split_notifications() -> None:
    frames = [wit_frame(*([k] * 9)) for k in range(1, 6)]
    stream = b"\x00\x55\x12" + frames[0] + frames[1] + b"\xff\x55" + frames[2] + frames[3]
    stream += frames[4]
    decoder = WitMotionImu(sampling_rate_hz=100.0).new_decoder()
    got = []
    garbage = 0
    for start in range(0, len(stream), 7):
        packet = decoder.feed(stream[start : start + 7])
        got.append(packet.values)
        garbage += packet.garbage_bytes
    values = np.vstack(got)
    assert len(values) == 5
    np.testing.assert_allclose(values[:, 0] / (16 * G / 32768), [1, 2, 3, 4, 5])
    assert garbage == 5


def test_witmotion_battery_register_reply() -> None:
    reply = b"\x55\x71\x64\x00" + struct.pack("<8h", 385, 0, 0, 0, 0, 0, 0, 0)
    packet = WitMotionImu(sampling_rate_hz=100.0).new_decoder().feed(reply)
    assert packet.battery_v == pytest.approx(3.85)
    assert packet.n_samples == 0


def test_witmotion_commands_follow_the_register_table() -> None:
    driver = WitMotionImu(sampling_rate_hz=200.0)
    assert driver.configure_commands() == [
        bytes.fromhex("FFAA6988B5"),
        bytes.fromhex("FFAA030A00"),
    ]
    assert driver.battery_request() == bytes.fromhex("FFAA276400")
    with pytest.raises(InvalidInputError, match="cannot sample at 150 Hz"):
        WitMotionImu(sampling_rate_hz=150.0)


@settings(max_examples=50, deadline=None)
@given(
    counts=st.lists(
        st.lists(st.integers(-32768, 32767), min_size=9, max_size=9), min_size=1, max_size=20
    ),
    cuts=st.lists(st.integers(1, 30), min_size=1, max_size=50),
    noise=st.binary(max_size=8).filter(lambda b: b"\x55" not in b),
)
def test_witmotion_any_split_recovers_every_frame(
    counts: list[list[int]], cuts: list[int], noise: bytes
) -> None:
    stream = noise + b"".join(wit_frame(*row) + noise for row in counts)
    decoder = WitMotionImu(sampling_rate_hz=100.0).new_decoder()
    pieces, position = [], 0
    for cut in cuts * (len(stream) // max(sum(cuts), 1) + 1):
        pieces.append(stream[position : position + cut])
        position += cut
        if position >= len(stream):
            break
    pieces.append(stream[position:])
    values = np.vstack([decoder.feed(piece).values for piece in pieces])
    np.testing.assert_array_equal(np.rint(values / witmotion.COUNTS_TO_SI), counts)


def test_tindeq_weight_samples_in_newtons_with_timestamps() -> None:
    payload = struct.pack("<fI", 10.0, 1_000) + struct.pack("<fI", -0.5, 13_500)
    notification = bytes([1, len(payload)]) + payload
    packet = TindeqProgressor(sampling_rate_hz=80.0).new_decoder().feed(notification)
    np.testing.assert_allclose(packet.values[:, 0], [10 * G, -0.5 * G], rtol=1e-6)
    assert packet.device_time_s is not None
    np.testing.assert_allclose(packet.device_time_s, [0.001, 0.0135])


def test_tindeq_battery_low_power_and_malformed() -> None:
    decoder = TindeqProgressor(sampling_rate_hz=80.0).new_decoder()
    assert decoder.feed(bytes([0, 4]) + struct.pack("<I", 3712)).battery_v == pytest.approx(3.712)
    assert decoder.feed(bytes([4, 0])).low_power
    bad = decoder.feed(bytes([1, 9]) + struct.pack("<fI", 1.0, 5))
    assert bad.malformed is not None and bad.n_samples == 0
    assert isinstance(tindeq.parse_notification(bytes([9, 0])), tindeq.Malformed)


def test_tindeq_commands_are_tlv() -> None:
    driver = TindeqProgressor(sampling_rate_hz=80.0)
    assert driver.start_commands() == [bytes([0x65, 0])]
    assert driver.stop_commands() == [bytes([0x66, 0])]
    assert driver.tare_commands() == [bytes([0x64, 0])]
    assert driver.battery_request() == bytes([0x6F, 0])


def test_tindeq_timestamps_unwrap_across_notifications() -> None:
    wrap = tindeq.TIMESTAMP_WRAP_US
    first = tindeq.unwrap_us(np.array([wrap - 20_000, wrap - 7_500]), None)
    second = tindeq.unwrap_us(np.array([5_000, 17_500]), int(first[-1]))
    np.testing.assert_array_equal(second, [wrap + 5_000, wrap + 17_500])
    reordered = tindeq.unwrap_us(np.array([wrap - 20_000]), int(second[-1]))
    assert reordered[0] == wrap - 20_000


@settings(max_examples=50, deadline=None)
@given(
    force_n=st.lists(st.floats(-2000, 2000, allow_nan=False), min_size=1, max_size=2),
    stamp_us=st.integers(0, 2**32 - 100),
)
def test_tindeq_encode_decode_round_trip(force_n: list[float], stamp_us: int) -> None:
    stamps = stamp_us + np.arange(len(force_n)) * 12_500 % 2**32
    message = tindeq.parse_notification(tindeq.encode_weight(np.array(force_n), stamps))
    assert isinstance(message, tindeq.WeightSamples)
    np.testing.assert_allclose(message.force_n, force_n, rtol=1e-6, atol=1e-3)
    np.testing.assert_array_equal(message.device_time_us, stamps % 2**32)


# --- Movesense GATT SensorData Protocol -------------------------------------------------------

MOVESENSE_RATE_HZ = 104.0


def imu9_body(timestamp_ms: int, acc: list, gyro: list, magn: list) -> bytes:
    """An IMU9 message body packed by hand: uint32 ms, then each array of xyz float32 whole."""
    floats = [v for array in (acc, gyro, magn) for row in array for v in row]
    return struct.pack("<I", timestamp_ms) + struct.pack(f"<{len(floats)}f", *floats)


def eight_samples(timestamp_ms: int) -> tuple[bytes, np.ndarray]:
    """Eight IMU9 samples (acc m/s^2, gyro deg/s, magn uT) and their expected SI values."""
    k = np.arange(8.0)[:, None]
    acc = np.hstack([k, -k, 9.5 + 0 * k])
    gyro = np.hstack([10 * k, 0 * k, -90 + 0 * k])
    magn = np.hstack([20 + 0 * k, -k, -45 + 0 * k])
    body = imu9_body(timestamp_ms, acc.tolist(), gyro.tolist(), magn.tolist())
    expected = np.hstack([acc, np.deg2rad(gyro), magn * 1e-6])
    return body, expected


def test_movesense_commands_are_gsp() -> None:
    driver = MovesenseImu(sampling_rate_hz=104.0)
    assert driver.start_commands() == [b"\x01\x63/Meas/IMU9/104"]
    assert driver.stop_commands() == [b"\x02\x63"]
    assert driver.battery_request() == b"\x00\x64"
    assert driver.configure_commands() == []
    assert movesense.parse_command(b"\x01\x63/Meas/IMU9/104") == movesense.Command(
        1, 99, "/Meas/IMU9/104"
    )
    assert movesense.imu9_rate_hz("Meas/IMU9/208") == 208.0
    assert movesense.imu9_rate_hz("/Meas/Acc/104") is None
    with pytest.raises(InvalidInputError, match="cannot sample at 100 Hz"):
        MovesenseImu(sampling_rate_hz=100.0)


def test_movesense_two_part_message_decodes_to_si_with_device_times() -> None:
    body, expected = eight_samples(timestamp_ms=123_456)
    message = bytes([2, 99]) + body  # 294 bytes: split for a 158-byte notification (MTU 161)
    part1, part2 = message[:158], bytes([3, 99]) + message[158:]
    decoder = MovesenseImu(sampling_rate_hz=MOVESENSE_RATE_HZ).new_decoder()
    first = decoder.feed(part1)
    assert first.n_samples == 0 and first.malformed is None
    packet = decoder.feed(part2)
    np.testing.assert_allclose(packet.values, expected, rtol=1e-6, atol=1e-12)
    assert packet.device_time_s is not None
    np.testing.assert_allclose(packet.device_time_s, 123.456 + np.arange(8) / MOVESENSE_RATE_HZ)


def test_movesense_whole_message_in_one_notification() -> None:
    body, expected = eight_samples(timestamp_ms=5)
    packet = MovesenseImu(sampling_rate_hz=104.0).new_decoder().feed(bytes([2, 99]) + body)
    np.testing.assert_allclose(packet.values, expected, rtol=1e-6, atol=1e-12)


def test_movesense_lone_parts_are_malformed_and_the_next_message_decodes() -> None:
    decoder = MovesenseImu(sampling_rate_hz=MOVESENSE_RATE_HZ).new_decoder()
    lost, _ = eight_samples(timestamp_ms=1000)
    kept, expected = eight_samples(timestamp_ms=1154)
    assert decoder.feed(bytes([2, 99]) + lost[:156]).malformed is None
    # Its part 2 never came: the next part 1 reports the lone one.
    lone = decoder.feed(bytes([2, 99]) + kept[:156])
    assert lone.n_samples == 0 and "without its second part" in (lone.malformed or "")
    packet = decoder.feed(bytes([3, 99]) + kept[156:])
    np.testing.assert_allclose(packet.values, expected, rtol=1e-6, atol=1e-12)
    orphan = decoder.feed(bytes([3, 99]) + kept[156:])
    assert orphan.n_samples == 0 and "without its first part" in (orphan.malformed or "")


def test_movesense_command_results_and_unknown_codes() -> None:
    decoder = MovesenseImu(sampling_rate_hz=104.0).new_decoder()
    assert decoder.feed(b"\x01\x63" + struct.pack("<H", 200)).malformed is None
    refused = decoder.feed(b"\x01\x63" + struct.pack("<H", 404))
    assert "status 404" in (refused.malformed or "")
    assert decoder.feed(b"\x01\x64Hello").malformed is None  # the HELLO answer
    assert decoder.feed(b"\x02\x07" + eight_samples(0)[0]).n_samples == 0  # another reference
    assert decoder.feed(b"\xe0\x63\x00").malformed is not None
    assert decoder.feed(b"\x02").malformed is not None


def test_movesense_timestamps_unwrap_across_the_uint32_wrap() -> None:
    decoder = MovesenseImu(sampling_rate_hz=MOVESENSE_RATE_HZ).new_decoder()
    before = decoder.feed(bytes([2, 99]) + eight_samples(2**32 - 40)[0])
    after = decoder.feed(bytes([2, 99]) + eight_samples(36)[0])
    assert before.device_time_s is not None and after.device_time_s is not None
    assert after.device_time_s[0] == pytest.approx((2**32 + 36) / 1000)
    assert after.device_time_s[0] - before.device_time_s[0] == pytest.approx(0.076, abs=1e-9)


def test_movesense_twin_refuses_mtus_the_split_cannot_carry() -> None:
    signal = np.zeros((10, 9))
    with pytest.raises(InvalidInputError, match="more than two"):
        MovesenseTwin(address="C4:00:00:00:00:01", signal_si=signal, signal_rate_hz=104, att_mtu=23)
    # 150-byte notifications would cut a part 1 of exactly four whole samples.
    with pytest.raises(InvalidInputError, match="reads as a whole message"):
        MovesenseTwin(
            address="C4:00:00:00:00:01", signal_si=signal, signal_rate_hz=104, att_mtu=153
        )


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(
        st.lists(st.floats(-1e4, 1e4, allow_nan=False, width=32), min_size=9, max_size=9),
        min_size=8,
        max_size=8,
    ),
    timestamp_ms=st.integers(0, 2**32 - 1),
    att_mtu=st.integers(152, 320).filter(lambda m: (m - 9) % 36 != 0),
)
def test_movesense_twin_bytes_round_trip_through_the_decoder(
    values: list[list[float]], timestamp_ms: int, att_mtu: int
) -> None:
    signal = np.zeros((10, 9))
    twin = MovesenseTwin(
        address="C4:00:00:00:00:01", signal_si=signal, signal_rate_hz=104, att_mtu=att_mtu
    )

    async def subscribed_message() -> bytes:
        # The subscription's reference tags the data.
        twin.handle_command(b"\x01\x63/Meas/IMU9/104")
        message = twin.encode_samples(values_si, np.array([timestamp_ms / 1000 + 0.0004]))
        twin.detach()
        return message

    values_si = np.array(values) * movesense.WIRE_TO_SI
    message = asyncio.run(subscribed_message())
    notifications = twin.split_message(message)
    assert all(len(n) <= att_mtu - 3 for n in notifications)
    decoder = MovesenseImu(sampling_rate_hz=104.0).new_decoder()
    packets = [decoder.feed(n) for n in notifications]
    assert [p.n_samples for p in packets] == [0] * (len(packets) - 1) + [8]
    np.testing.assert_allclose(packets[-1].values, values_si, rtol=1e-6, atol=1e-12)
    assert packets[-1].device_time_s is not None
    assert packets[-1].device_time_s[0] == pytest.approx(timestamp_ms / 1000)

"""Five levels, the default pad frame byte for byte, the serial and keyboard adapters."""

from __future__ import annotations

import pytest

from devices import rating
from devices.errors import DeviceNotFound
from devices.rating import RatingLevel
from devices.rating_pad import KeyboardRatingPad, SerialRatingPad
from devices.serial_transport import SerialTransport
from devices.virtual.rating_pad import VirtualRatingPad

H = bytes.fromhex


@pytest.fixture
def virtual_pad() -> VirtualRatingPad:
    return VirtualRatingPad()


@pytest.fixture
def serial_pad(virtual_pad):
    pad = SerialRatingPad(SerialTransport("virtual", kind="评价器", port_factory=virtual_pad.connect, timeout_ms=200))
    yield pad
    pad.close()


def test_five_levels_and_which_are_negative():
    assert [level.label for level in RatingLevel] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert [level.is_negative for level in RatingLevel] == [False, False, False, True, True]


def test_ask_frame_bytes():
    assert rating.ask_frame("0001") == H("02 51 04 30 30 30 31 54 03")


def test_result_and_ack_frame_bytes():
    assert rating.result_frame(RatingLevel.VERY_SATISFIED) == H("02 52 01 05 56 03")
    assert rating.result_frame(RatingLevel.VERY_DISSATISFIED) == H("02 52 01 01 52 03")
    assert rating.encode_frame(rating.ACK) == H("02 41 00 41 03")


def test_decoder_skips_noise_and_bad_frames_across_chunks():
    decoder = rating.FrameDecoder()
    stream = b"\xff\x00" + H("02 52 01 04 57 03") + H("02 52 01 03 00 03") + H("02 52 01 02 51 03")
    frames = decoder.feed(stream[:5]) + decoder.feed(stream[5:])
    assert [f.level for f in frames] == [RatingLevel.SATISFIED, RatingLevel.DISSATISFIED]
    assert decoder.rejected == 1


def test_out_of_range_level_is_no_level():
    assert rating.PadFrame(rating.RESULT, b"\x09").level is None


def test_serial_pad_round_trip(serial_pad, virtual_pad):
    serial_pad.request("370702000000202611220001")
    virtual_pad.press(RatingLevel.DISSATISFIED)
    level = serial_pad.wait_result(2)
    assert level is RatingLevel.DISSATISFIED and level.is_negative
    assert virtual_pad.asked == ["370702000000202611220001"]


def test_serial_pad_no_answer_is_none(serial_pad):
    serial_pad.request("0002")
    assert serial_pad.wait_result(0.4) is None


def test_auto_answering_pad(virtual_pad, serial_pad):
    virtual_pad.auto = RatingLevel.SATISFIED
    serial_pad.request("0003")
    assert serial_pad.wait_result(2) is RatingLevel.SATISFIED


def test_pulled_pad_is_not_found(serial_pad, virtual_pad):
    virtual_pad.pull()
    with pytest.raises(DeviceNotFound) as err:
        serial_pad.request("0004")
    assert err.value.message == "未检测到评价器，请检查USB连接"


def test_keyboard_pad_counts_keys_only_when_asked():
    pad = KeyboardRatingPad()
    assert pad.on_key("5") is None  # a clerk typing: not a rating
    pad.request("0005")
    assert pad.on_key("x") is None
    assert pad.on_key("KP_2") is RatingLevel.DISSATISFIED
    assert pad.on_key("5") is None  # one rating per request
    assert pad.wait_result(0) is RatingLevel.DISSATISFIED


def test_keyboard_pad_times_out_to_none():
    pad = KeyboardRatingPad()
    pad.request("0006")
    assert pad.wait_result(0.01) is None


def test_the_virtual_pad_is_dark_until_asked_and_waits_for_a_key(serial_pad, virtual_pad):
    """Like a real pad: a key before the ask or after a cancel counts for nothing, and an ask
    without a key gives no rating (nobody rates for the applicant)."""
    serial_pad.request("0004")  # opens the line; then the pad goes dark again
    serial_pad.cancel()
    assert not virtual_pad.waiting and virtual_pad.press(RatingLevel.VERY_SATISFIED) is False
    serial_pad.request("0005")
    assert virtual_pad.waiting
    assert serial_pad.wait_result(0.4) is None  # no key, no rating
    assert virtual_pad.press(RatingLevel.BASICALLY_SATISFIED) is True
    assert serial_pad.wait_result(2) is RatingLevel.BASICALLY_SATISFIED
    assert not virtual_pad.waiting and virtual_pad.press(RatingLevel.SATISFIED) is False  # one ask, one rating
    assert virtual_pad.pressed == [RatingLevel.BASICALLY_SATISFIED] and virtual_pad.cancelled == 1


def test_a_poor_rating_carries_the_reason_touched_on_the_pad(serial_pad, virtual_pad):
    """The result frame's optional second byte: the reason's number in the fixed list."""
    assert rating.REASONS.index("waiting") == 4
    assert rating.result_frame(RatingLevel.DISSATISFIED, "waiting") == H("02 52 02 02 05 57 03")
    serial_pad.request("0007")
    assert virtual_pad.press(RatingLevel.DISSATISFIED, "waiting") is True
    assert serial_pad.wait_result(2) is RatingLevel.DISSATISFIED
    assert serial_pad.reason() == "waiting"
    serial_pad.request("0008")  # a new ask forgets the last reason
    assert serial_pad.reason() == ""
    virtual_pad.press(RatingLevel.SATISFIED, "waiting")  # reasons are for a 差评 only
    assert serial_pad.wait_result(2) is RatingLevel.SATISFIED and serial_pad.reason() == ""


def test_a_reason_byte_out_of_the_list_or_on_a_good_rating_is_no_reason():
    assert rating.PadFrame(rating.RESULT, bytes([1, 9])).reason == ""
    assert rating.PadFrame(rating.RESULT, bytes([1, 0])).reason == ""
    assert rating.PadFrame(rating.RESULT, bytes([5, 1])).reason == ""
    assert rating.PadFrame(rating.RESULT, bytes([5, 1])).level is RatingLevel.VERY_SATISFIED
    assert rating.PadFrame(rating.RESULT, bytes([1, 2])).reason == "runs"
    assert rating.PadFrame(rating.RESULT, bytes([1, 2, 3])).level is None

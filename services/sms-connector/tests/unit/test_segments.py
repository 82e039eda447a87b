"""Splitting texts into SMS segments."""

import pytest

from cpaas.sms_connector.domain.segments import EmptyMessage, concat_reference
from cpaas.sms_connector.providers.smpp.segments import encode_message


def test_a_short_gsm_text_is_one_segment_without_udh() -> None:
    encoded = encode_message("Your OTP is 1234 [valid 5 min]", 7)
    assert (encoded.data_coding, encoded.esm_class) == (0, 0)
    assert encoded.payloads == ["Your OTP is 1234 [valid 5 min]".encode("gsm0338")]


def test_160_gsm_characters_fit_one_segment_and_161_take_two() -> None:
    assert len(encode_message("a" * 160, 1).payloads) == 1
    encoded = encode_message("a" * 161, 9)
    assert encoded.esm_class == 0x40
    assert [p[:6] for p in encoded.payloads] == [bytes([5, 0, 3, 9, 2, 1]), bytes([5, 0, 3, 9, 2, 2])]
    assert [len(p) - 6 for p in encoded.payloads] == [153, 8]


def test_hindi_goes_as_ucs2_in_67_character_parts() -> None:
    text = "नमस्ते दुनिया " * 12
    encoded = encode_message(text, 200)
    assert encoded.data_coding == 8
    assert all(len(p) <= 6 + 134 for p in encoded.payloads)
    assert "".join(p[6:].decode("utf-16-be") for p in encoded.payloads) == text
    assert {p[4] for p in encoded.payloads} == {len(encoded.payloads)}


def test_emoji_are_never_cut_in_half() -> None:
    text = "😀" * 40
    encoded = encode_message(text, 1)
    assert "".join(p[6:].decode("utf-16-be") for p in encoded.payloads) == text


def test_an_empty_text_is_refused() -> None:
    with pytest.raises(EmptyMessage):
        encode_message("", 1)


def test_the_concatenation_reference_is_stable_per_message() -> None:
    assert concat_reference("msg_01JD0000000000000000000000") == concat_reference("msg_01JD0000000000000000000000")
    assert 0 <= concat_reference("msg_x") <= 255

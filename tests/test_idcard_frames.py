"""ID-card reader: framing, status codes, text-block fields and masking, byte for byte.

Frames that read from a port go through a real pty (os.openpty + the real SerialTransport),
so timeouts, truncation and trailing bytes are the kernel's, not a fake's.
"""
from __future__ import annotations

import os
import tty
from datetime import date

import pytest

from devices.idcard import frames, protocol
from devices.idcard.card import IdCard, mask_id, mask_name
from devices.idcard.cardfile import SAMPLE_DIR, load_card_file
from devices.idcard.fields import GENDERS, NATIONS, UnknownCardType, decode_card, encode_text
from devices.idcard.frames import (BadChecksum, BadHeader, BadLength, ReaderTimeout, TrailingGarbage,
                                   TruncatedFrame, build_reply, build_request, parse_reply, parse_request,
                                   read_frame)
from devices.idcard.protocol import StatusError, UnknownStatus, split_base_info
from devices.idcard.transport import SerialTransport
from devices.idcard.validate import InvalidCard, id_check_digit, id_number_valid

# ---- requests: the frames every public description of the protocol quotes -----------------


@pytest.mark.parametrize("command, wire", [
    (protocol.SAM_STATUS, "aa aa aa 96 69 00 03 11 ff ed"),
    (protocol.FIND_CARD, "aa aa aa 96 69 00 03 20 01 22"),
    (protocol.SELECT_CARD, "aa aa aa 96 69 00 03 20 02 21"),
    (protocol.READ_BASE, "aa aa aa 96 69 00 03 30 01 32"),
])
def test_request_bytes(command, wire):
    assert build_request(*command) == bytes.fromhex(wire)
    assert parse_request(bytes.fromhex(wire)) == frames.Request(*command)


def test_reply_example_from_the_protocol_notes():
    # softs.im: "aa aa aa 96 69 00 04 00 00 41 45 表示读取解码失败" (00^04^00^00^41 = 45)
    reply = parse_reply(bytes.fromhex("aaaaaa9669 0004 000041 45"))
    assert (reply.sw1, reply.sw2, reply.sw3, reply.data) == (0, 0, 0x41, b"")
    assert build_reply(0, 0, 0x41) == bytes.fromhex("aaaaaa9669000400004145")


def test_read_reply_is_1295_bytes_with_lengths_01000400():
    card = load_card_file("resident.json")
    wire = build_reply(0, 0, 0x90, b"\x01\x00\x04\x00" + card.text + card.photo)
    assert len(wire) == protocol.READ_REPLY_LEN == 1295
    assert wire[:14] == bytes.fromhex("aaaaaa9669 0508 000090 01000400")
    text, photo = split_base_info(parse_reply(wire).data)
    assert (text, photo) == (card.text, card.photo)


# ---- strict parsing --------------------------------------------------------------------------
GOOD = build_reply(0, 0, 0x9F, bytes(4))


@pytest.mark.parametrize("wire, error, reason", [
    (b"\xAA\xAA\xAB\x96\x69" + GOOD[5:], BadHeader, "bad_header"),
    (b"\x00" + GOOD, BadHeader, "bad_header"),
    (GOOD[:5] + b"\x00\x02" + GOOD[7:], BadLength, "bad_length"),
    (GOOD[:5] + b"\xff\xff" + GOOD[7:], BadLength, "bad_length"),
    (GOOD[:-1], TruncatedFrame, "truncated"),
    (GOOD[:6], TruncatedFrame, "truncated"),
    (GOOD + b"\x00", TrailingGarbage, "trailing_garbage"),
    (GOOD[:-1] + bytes([GOOD[-1] ^ 1]), BadChecksum, "bad_checksum"),
    (GOOD[:8] + b"\x55" + GOOD[9:], BadChecksum, "bad_checksum"),
])
def test_parse_rejects(wire, error, reason):
    with pytest.raises(error) as info:
        parse_reply(wire)
    assert info.value.reason == reason
    said = str(info.value).lower().replace("aa aa aa 96 69", "")
    pairs = {wire[i:i + 2] for i in range(len(wire) - 1)}
    assert not any(p.hex() in said or p.hex(" ") in said for p in pairs) and "\\x" not in said  # no bytes quoted


def test_bad_header_of_a_stalled_card_reply_quotes_nothing():
    """After a stall the next "reply" is the tail of a card's text: the error says so in words."""
    tail = "小明江苏省南京市".encode("utf-16-le") + bytes(8)
    with pytest.raises(BadHeader) as info:
        parse_reply(tail)
    message = str(info.value)
    assert message == "does not start with the AA AA AA 96 69 preamble"
    assert tail[:5].hex() not in message and tail[:5].hex(" ") not in message


def test_split_base_info_checks_both_lengths():
    with pytest.raises(protocol.LengthMismatch):
        split_base_info(b"\x01\x00\x04\x00" + bytes(256 + 1023))
    with pytest.raises(protocol.LengthMismatch):
        split_base_info(b"\x00\xff\x04\x00" + bytes(255 + 1024))
    with pytest.raises(protocol.LengthMismatch):
        split_base_info(b"\x01\x00")


def test_status_codes():
    err = protocol.fail(parse_reply(build_reply(0, 0, 0x41)), "read card")
    assert isinstance(err, StatusError) and err.reason == "read_failed"
    assert protocol.fail(parse_reply(build_reply(0, 0, 0x10)), "find").reason == "checksum_rejected"
    unknown = protocol.fail(parse_reply(build_reply(0, 0, 0x77)), "find")
    assert isinstance(unknown, UnknownStatus) and unknown.reason == "unknown_status" and "77" in str(unknown)


# ---- read_frame over a real pty --------------------------------------------------------------
@pytest.fixture
def pty_pair():
    master, slave = os.openpty()
    tty.setraw(slave)
    port = SerialTransport(os.ttyname(slave))
    yield master, port
    port.close()
    os.close(master)
    os.close(slave)


def test_read_frame_from_a_port(pty_pair):
    master, port = pty_pair
    os.write(master, GOOD)
    assert read_frame(port, 1.0) == GOOD


@pytest.mark.parametrize("wire, error", [
    (b"", ReaderTimeout),
    (GOOD[:9], TruncatedFrame),
    (GOOD + b"\x13\x37", TrailingGarbage),
    (bytes(range(40)), BadHeader),
])
def test_read_frame_errors_from_a_port(pty_pair, wire, error):
    master, port = pty_pair
    if wire:
        os.write(master, wire)
    with pytest.raises(error):
        read_frame(port, 0.3)


# ---- fields ----------------------------------------------------------------------------------
def test_nation_table_is_gb3304():
    assert len(NATIONS) == 58
    assert [NATIONS[f"{i:02d}"] for i in (1, 2, 3, 4, 5, 10, 36, 56)] == [
        "汉", "蒙古", "回", "藏", "维吾尔", "朝鲜", "毛南", "基诺"]
    assert NATIONS["97"] == "其他" and NATIONS["98"] == "外国血统"
    assert GENDERS == {"1": "男", "2": "女"}


def _values(**over):
    base = {"name": "李四", "gender": "2", "nation": "03", "birth": "19600229", "address": "演示路2号",
            "id_number": "32010219600229002" + id_check_digit("32010219600229002"), "issuer": "演示分局",
            "valid_from": "20200101", "valid_to": "20400101"}
    return {**base, **over}


def test_resident_block_roundtrip():
    block = encode_text(_values(), "resident")
    assert len(block) == 256
    assert block[:4] == "李四".encode("utf-16-le") and block[4:6] == b" \x00"  # UCS-2LE, space padded
    card = decode_card(block, b"\x01" * 1024)
    assert (card.card_type, card.name, card.gender, card.nation) == ("resident", "李四", "女", "回")
    assert card.birth == date(1960, 2, 29) and card.valid_to == date(2040, 1, 1)
    assert card.photo == b"\x01" * 1024


def test_nul_padding_and_long_term_validity():
    block = bytearray(encode_text(_values(valid_to="长期"), "resident"))
    block[4:30] = bytes(26)  # some readers pad with NUL
    card = decode_card(bytes(block))
    assert card.name == "李四" and card.valid_to is None and card.valid_to_text == "长期"


@pytest.mark.parametrize("sample, expect", [
    ("resident.json", {"card_type": "resident", "name": "张小明", "nation": "汉", "address": "江苏省南京市玄武区演示路1号示例小区"}),
    ("hk_macao_taiwan_J.json", {"card_type": "J", "name": "陈演示", "nation": None, "pass_number": "H99990001", "issue_count": "01"}),
    ("foreigner_I.json", {"card_type": "I", "name": "样本", "english_name": "SAMPLE, DEMO PERSON", "nation": "CAN",
                          "id_number": "CAN310080050194", "issuer": "3100", "card_version": "01", "address": ""}),
])
def test_sample_cards_decode(sample, expect):
    sim = load_card_file(sample)
    card = decode_card(sim.text, sim.photo)
    assert {k: getattr(card, k) for k in expect} == expect


def test_sample_card_numbers_have_valid_check_digits():
    assert sorted(p.name for p in SAMPLE_DIR.glob("*.json")) == ["foreigner_I.json", "hk_macao_taiwan_J.json", "resident.json"]
    for name in ("resident.json", "hk_macao_taiwan_J.json"):
        assert id_number_valid(decode_card(load_card_file(name).text).id_number)


def test_i_card_type_flag_and_offsets():
    block = load_card_file("foreigner_I.json").text
    assert block[248:250] == "I".encode("utf-16-le")
    assert block[122:152].decode("utf-16-le") == "CAN310080050194"
    assert block[220:236].decode("utf-16-le") == "19800501"


@pytest.mark.parametrize("flag", ["X", "Y", "1"])
def test_unknown_card_type(flag):
    with pytest.raises(UnknownCardType) as info:
        decode_card(encode_text(_values(), flag))
    assert info.value.reason == "unknown_card_type"


@pytest.mark.parametrize("over, field", [({"gender": "3"}, "gender"), ({"nation": "57"}, "nation"),
                                         ({"birth": "19600230"}, "birth"), ({"birth": "1960"}, "birth"),
                                         ({"id_number": "12345"}, "id_number"), ({"valid_to": "永久"}, "valid_to"),
                                         ({"name": ""}, "name")])
def test_bad_fields(over, field):
    with pytest.raises(InvalidCard) as info:
        decode_card(encode_text(_values(**over), "resident"))
    assert info.value.reason == f"invalid_card:{field}" and info.value.field == field
    assert "李四" not in str(info.value)  # reasons never quote card data


def test_text_block_must_be_256_bytes():
    with pytest.raises(InvalidCard) as info:
        decode_card(bytes(255))
    assert info.value.reason == "invalid_card:text_block"


def test_a_flag_that_is_not_ucs2_is_an_invalid_card():
    block = bytearray(encode_text(_values(), "resident"))
    block[248:250] = "\ud800".encode("utf-16-le", "surrogatepass")  # a lone surrogate
    with pytest.raises(InvalidCard) as info:
        decode_card(bytes(block))
    assert info.value.reason == "invalid_card:card_type"


# ---- card ------------------------------------------------------------------------------------
def test_masks():
    assert mask_id("320102199001011234") == "320***********1234"
    assert mask_id("CAN310080050194", keep_end=2) == "CAN**********94"
    assert mask_id("1234567") == "*******"
    assert mask_name("张小明") == "张*明"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳小明") == "欧**明"
    assert mask_name("司马相如之") == "司***之"
    assert mask_name("王") == "*"


def _card(**over):
    base = dict(card_type="resident", name="张小明", gender="男", nation="汉", birth=date(1990, 1, 1),
                address="演示路1号", id_number="320102199001011234", issuer="演示分局",
                valid_from=date(2015, 1, 1), valid_to=None, photo=b"\x00" * 1024)
    return IdCard(**{**base, **over})


def test_age():
    card = _card(birth=date(1960, 2, 29))
    assert card.age(date(2026, 2, 28)) == 65 and card.age(date(2026, 3, 1)) == 66


def test_a_clock_at_1970_does_not_make_ages_negative():
    assert _card(birth=date(1990, 1, 1)).age(date(1970, 1, 1)) == 35  # CLOCK_FLOOR 2025-01-01


def test_public_json_is_exactly_the_masked_view():
    public = _card().to_public_json(on_date=date(2026, 6, 1))
    assert public == {"card_type": "resident", "name_masked": "张*明", "id_masked": "320***********1234",
                      "age": 36, "elderly": False, "expired": False}


@pytest.mark.parametrize("birth, on, age, elderly", [
    (date(1966, 6, 2), date(2026, 6, 1), 59, False),  # turns 60 tomorrow
    (date(1966, 6, 1), date(2026, 6, 1), 60, True),   # 60 today: elderly (六十周岁以上)
    (date(1926, 1, 1), date(2026, 6, 1), 100, True),
])
def test_public_json_elderly_from_the_age(birth, on, age, elderly):
    public = _card(birth=birth).to_public_json(on_date=on)
    assert (public["age"], public["elderly"]) == (age, elderly)


@pytest.mark.parametrize("valid_to, expired", [(None, False), (date(2026, 6, 1), False), (date(2026, 5, 31), True)])
def test_public_json_says_only_whether_the_card_expired(valid_to, expired):
    assert _card(valid_to=valid_to).to_public_json(on_date=date(2026, 6, 1))["expired"] is expired


def test_public_json_of_an_i_card_hides_the_birth_day_in_the_number():
    card = _card(card_type="I", id_number="CAN310080050194", birth=date(1980, 5, 1))
    assert card.to_public_json(on_date=date(2026, 6, 1))["id_masked"] == "CAN**********94"


def test_public_json_of_a_j_card_keeps_only_the_last_two():
    """810000 + birth + 4 shown digits would leave ~100 numbers for a given age (~1 with the birth date)."""
    card = _card(card_type="J", nation=None, id_number="810000198506129985", birth=date(1985, 6, 12))
    assert card.to_public_json(on_date=date(2026, 6, 1))["id_masked"] == "810*************85"


def test_public_json_carries_no_birth_date_gender_nation_or_validity():
    card = _card(birth=date(1950, 3, 7), valid_to=date(2035, 1, 2))
    text = repr(card.to_public_json(on_date=date(2026, 6, 1)))
    for leak in ("1950", "03-07", "0307", "男", "汉", "2035", "演示路", "演示分局"):
        assert leak not in text


def test_repr_never_shows_the_full_name_or_number():
    text = repr(_card()) + str(_card())
    assert "张小明" not in text and "320102199001011234" not in text and "张*明" in text


def test_card_type_is_checked():
    with pytest.raises(ValueError):
        _card(card_type="passport")

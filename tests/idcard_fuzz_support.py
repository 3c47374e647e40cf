"""Hostile read replies for the ID-card decoder, and an independent check of what it accepts.

`frames(seed, count)` yields (kind, bytes): random bytes, random bytes behind a real preamble,
valid read replies spoilt (bits flipped, cut short, extended, length field or checksum wrong,
another status word, inner text/photo lengths wrong), correctly framed replies whose text block
is random or has one field replaced by hostile text, and well-formed replies of random cards
that are valid. `outcome(frame)` feeds one through the driver's own path — `ReaderLink.read_base`
on an in-memory transport (read_frame, parse_reply, the status word, split_base_info) then
`decode_card` — and returns "card" or the reason code; anything but a ReaderError escapes.
`assert_consistent(card)` re-checks an accepted card by the rules of issue 11 class 5, written
again here (ISO 7064 by its formula, regexes) rather than imported from validate.py.

Used by tests/test_idcard_fuzz.py (10,000 frames) and tests/bench/bench_idcard_fuzz.py (100,000).
"""
from __future__ import annotations

import random
import re
import unicodedata
from datetime import date, timedelta

from devices.idcard.card import IdCard
from devices.idcard.cardfile import load_card_file
from devices.idcard.fields import LAYOUTS, decode_card, encode_text
from devices.idcard.frames import PREAMBLE, ReaderError, build_reply
from devices.idcard.protocol import ReaderLink
from devices.idcard.transport import Transport

TODAY = date(2026, 6, 1)
LENGTHS = b"\x01\x00\x04\x00"
PROVINCES = ("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
             "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65")
HOSTILE_TEXT = ["", " ", "\x00\x00", "１９６０", "١٩٦٠", "99991231", "00000000", "19000101", "长期", "X", "x",
                "\x1b[2J", "\u202e", "Ｘ", "J", "I", "Y", "CAN", "can", "1", "2", "3", "0", "01", "97", "57"]


class OneReply(Transport):
    """An in-memory transport whose reader answers every request with the same bytes."""

    def __init__(self, reply: bytes):
        self._rx = bytearray(reply)

    def write(self, data: bytes) -> None:
        pass

    def read(self, n: int, timeout: float) -> bytes:
        out = bytes(self._rx[:n])
        del self._rx[:n]
        return out

    def pending(self) -> int:
        return len(self._rx)

    def reset_input(self) -> int:
        return 0

    def close(self) -> None:
        pass


def outcome(frame: bytes) -> tuple[str, IdCard | None]:
    """("card", card) or (reason code, None); only ReaderError is caught."""
    try:
        text, photo = ReaderLink(OneReply(frame), 0.0, 0.0).read_base()
        return "card", decode_card(text, photo, today=TODAY)
    except ReaderError as exc:
        return exc.reason, None


# ---- the independent check ----------------------------------------------------------------------
_CITIZEN = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)
_FOREIGN = re.compile(r"[A-Z]{3}[0-9]{12}", re.ASCII)
_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]  # ISO 7064 MOD 11-2: w_i = 2^(i-1) mod 11


def iso7064(first17: str) -> str:
    value = (12 - sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11) % 11
    return "X" if value == 10 else str(value)


def _years_later(day: date, years: int) -> date:
    """A card valid from 29 February may end on 1 March (taken as the latest end)."""
    return day.replace(year=day.year + years) if (day.month, day.day) != (2, 29) else date(day.year + years, 3, 1)


def assert_consistent(card: IdCard) -> None:
    assert card.card_type in ("resident", "J", "I")
    assert card.gender in ("男", "女") and card.name
    for text in (card.name, card.address, card.issuer, card.english_name):
        assert not any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs") for c in text)
    assert date(1900, 1, 1) <= card.birth <= TODAY
    assert card.valid_from >= card.birth
    if card.valid_to is None:
        assert card.card_type != "J"
    else:
        limit = {"resident": 20, "J": 5, "I": 10}[card.card_type]
        assert card.valid_from < card.valid_to <= _years_later(card.valid_from, limit)
    number = card.id_number
    if card.card_type == "I":
        assert _FOREIGN.fullmatch(number) and number[3:5] in PROVINCES
        assert number[7:13] == card.birth.strftime("%y%m%d")
        assert re.fullmatch(r"[A-Z]{3}", card.nation or "", re.ASCII) and re.fullmatch(r"[0-9]{4}", card.issuer, re.ASCII)
    else:
        assert _CITIZEN.fullmatch(number) and iso7064(number[:17]) == number[17]
        assert number[6:14] == card.birth.strftime("%Y%m%d")
        assert (int(number[16]) % 2 == 1) == (card.gender == "男")
        if card.card_type == "J":
            assert number[:6] in ("810000", "820000", "830000") and card.address and card.issuer
        else:
            assert number[:2] in PROVINCES and card.address and card.issuer
    public = card.to_public_json(TODAY)
    assert set(public) == {"card_type", "name_masked", "id_masked", "age", "elderly", "expired"}
    assert 0 <= public["age"] <= TODAY.year - 1900 and public["elderly"] == (public["age"] >= 60)


# ---- the frames ------------------------------------------------------------------------------
def _ymd(day: date) -> str:
    return day.strftime("%Y%m%d")


def random_valid_values(rng: random.Random) -> tuple[dict, str]:
    """Field codes of a random card that meets every rule, and its type."""
    card_type = rng.choice(("resident", "resident", "J", "I"))
    birth = date(1900, 1, 1) + timedelta(days=rng.randrange((TODAY - date(1900, 1, 1)).days + 1))
    valid_from = birth + timedelta(days=rng.randrange((TODAY - birth).days + 1))
    years = {"resident": rng.choice((5, 10, 20)), "J": 5, "I": 10}[card_type]
    valid_to = "长期" if card_type == "resident" and rng.random() < 0.3 else _ymd(_years_later(valid_from, years))
    gender = rng.choice("12")
    values = {"name": rng.choice(("张三", "欧阳小明", "李\ue000四", "买买提·艾力")), "gender": gender,
              "birth": _ymd(birth), "valid_from": _ymd(valid_from), "valid_to": valid_to,
              "address": "演示路1号", "issuer": "演示分局"}
    if card_type == "I":
        number = ("CAN" + rng.choice(PROVINCES) + f"{rng.randrange(100):02d}" + birth.strftime("%y%m%d")
                  + f"{rng.randrange(100):02d}")
        values.update(english_name="DEMO, PERSON", nation="CAN", issuer="3100", card_version="01", address="")
    else:
        region = rng.choice(("810000", "820000", "830000")) if card_type == "J" else rng.choice(PROVINCES) + "0102"
        seq = f"{rng.randrange(100):02d}" + str(rng.randrange(0 if gender == "2" else 1, 10, 2))
        first17 = region + _ymd(birth) + seq
        number = first17 + iso7064(first17)
        if card_type == "J":
            values.update(pass_number="H" + f"{rng.randrange(10 ** 8):08d}", issue_count="01")
        else:
            values["nation"] = f"{rng.randint(1, 56):02d}"
    values["id_number"] = number
    return values, card_type


def read_reply(text: bytes, photo: bytes = b"\x00" * 1024) -> bytes:
    return build_reply(0, 0, 0x90, LENGTHS + text + photo)


def _hostile_field(rng: random.Random, values: dict, card_type: str) -> bytes:
    key = rng.choice(sorted(LAYOUTS[card_type]))
    size = LAYOUTS[card_type][key][1] // 2
    choice = rng.random()
    if choice < 0.4:
        text = rng.choice(HOSTILE_TEXT)
    elif choice < 0.7:  # right length, random ASCII digits: dates and numbers that may or may not hold
        text = "".join(rng.choice("0123456789") for _ in range(len(values.get(key, "")) or size))
    else:
        text = "".join(chr(rng.choice((rng.randrange(0x20, 0x7F), rng.randrange(0x4E00, 0x9FA6),
                                       rng.randrange(0xE000, 0xF900), rng.randrange(0x0, 0x20))))
                       for _ in range(rng.randint(0, size)))
    return encode_text({**values, key: text[:size]}, card_type)


def _spoil(rng: random.Random, good: bytes) -> tuple[str, bytes]:
    frame = bytearray(good)
    how = rng.randrange(7)
    if how == 0:
        for _ in range(rng.randint(1, 4)):
            frame[rng.randrange(len(frame))] ^= 1 << rng.randrange(8)
        return "bit-flips", bytes(frame)
    if how == 1:
        return "truncated", bytes(frame[: rng.randrange(len(frame))])
    if how == 2:
        return "extended", bytes(frame) + rng.randbytes(rng.randint(1, 64))
    if how == 3:
        frame[5:7] = rng.randrange(0x10000).to_bytes(2, "big")
        return "length-field", bytes(frame)
    if how == 4:
        frame[-1] ^= rng.randint(1, 255)
        return "checksum", bytes(frame)
    payload = bytearray(good[7:-1])
    if how == 5:
        payload[2] = rng.randrange(256)  # SW3: a status other than success, or an unknown one
        return "status", build_reply(payload[0], payload[1], payload[2], bytes(payload[3:]))
    payload[3:7] = rng.randbytes(4)  # the inner text/photo lengths
    return "inner-lengths", build_reply(0, 0, 0x90, bytes(payload[3:]))


def frames(seed: int, count: int):
    rng = random.Random(seed)
    samples = [load_card_file(name) for name in ("resident.json", "hk_macao_taiwan_J.json", "foreigner_I.json")]
    for _ in range(count):
        kind = rng.randrange(10)
        if kind == 0:
            yield "random-bytes", rng.randbytes(rng.choice((rng.randrange(16), rng.randrange(1400))))
        elif kind == 1:
            yield "random-after-preamble", PREAMBLE + rng.randbytes(rng.randrange(1400))
        elif kind in (2, 3, 4):
            sample = rng.choice(samples)
            yield _spoil(rng, read_reply(sample.text, sample.photo))
        elif kind == 5:
            yield "random-text-block", read_reply(rng.randbytes(256))
        elif kind in (6, 7):
            values, card_type = random_valid_values(rng)
            yield "hostile-field", read_reply(_hostile_field(rng, values, card_type))
        else:
            values, card_type = random_valid_values(rng)
            yield "valid-card", read_reply(encode_text(values, card_type))

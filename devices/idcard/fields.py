"""The 256-byte text block of a read reply -> an IdCard (and back, for the simulator).

The block is UCS-2 little-endian, each field a fixed number of bytes padded with spaces
(U+0020; some readers pad with U+0000, both are stripped). Byte offsets below.

Card type flag: the character at bytes 248-249. Resident cards leave it blank (space or
NUL); ``J`` = 港澳台居民居住证; ``I`` = 外国人永久居留身份证 (2017 layout). Any other flag is
an unknown card type (:class:`UnknownCardType`), including ``Y``, the 2023 外国人永久居留身份证,
whose layout is known from one source only and is not decoded yet (see below).

Resident card (居民身份证)  — many open readers agree (e.g. FaceRecognitionTest IDReader.h,
DKCloudID IDCardData.java, Johann356/readinfo PCSCGetData.h)::

    0   30  姓名 name (15 chars)          122  36  公民身份号码 (18 chars)
    30   2  性别 code: 1 男, 2 女          158  30  签发机关 issuer (15 chars)
    32   4  民族 code, GB 3304 (2 chars)    188  16  有效期起 YYYYMMDD
    36  16  出生 YYYYMMDD                   204  16  有效期止 YYYYMMDD or 长期
    52  70  住址 address (35 chars)         220  36  reserved (incl. the blank type flag at 248)

J card (港澳台居民居住证): the same as the resident card up to byte 220, with the 民族 bytes
left blank, then (Johann356/readinfo t_idcardinfor)::

    220  18  通行证号码 pass number (9 chars)    242  6  reserved
    238   4  签发次数 issue count (2 chars)      248  2  type flag 'J';  250  6 reserved

I card (外国人永久居留身份证, 2017), from Johann356/readinfo t_idforeigner — one public source::

    0   120  英文姓名 English name (60 chars)   204  16  有效期止 YYYYMMDD
    120   2  性别 code                          220  16  出生 YYYYMMDD
    122  30  永久居留证号码 (15 chars)           236   4  证件版本号 (2 chars)
    152   6  国籍 code, ISO 3166-1 alpha-3      240   8  当次申请受理机关代码 (4 chars)
    158  30  中文姓名 (15 chars, may be blank)   248   2  type flag 'I';  250  6 reserved
    188  16  有效期起 YYYYMMDD

Uncertain (no card to test against): the I layout rests on one source (its offsets line up
with the resident card's: number at 122, validity at 188/204, flag at 248 — which makes it
plausible); whether an English name longer than 60 characters continues elsewhere; whether
the I card's validity can be 长期; what J cards hold in the 民族 bytes (we ignore them). The
2023 card ('Y') per the same source: 中文姓名 0/30, 性别 30/2, 换证次数 32/4, 出生 36/16,
英文姓名 52/70 (+ continuation 220/22), 号码 122/36, 有效期 188/16 and 204/16, 国籍 242/6.
"""
from __future__ import annotations

from datetime import date

from .card import LONG_TERM, IdCard
from .frames import ReaderError
from .protocol import TEXT_LEN
from .validate import InvalidCard, check_card, parse_date

NATIONS = {  # GB 3304-1991 codes -> the short name printed on the card (汉族 prints as 汉)
    "01": "汉", "02": "蒙古", "03": "回", "04": "藏", "05": "维吾尔", "06": "苗", "07": "彝",
    "08": "壮", "09": "布依", "10": "朝鲜", "11": "满", "12": "侗", "13": "瑶", "14": "白",
    "15": "土家", "16": "哈尼", "17": "哈萨克", "18": "傣", "19": "黎", "20": "傈僳", "21": "佤",
    "22": "畲", "23": "高山", "24": "拉祜", "25": "水", "26": "东乡", "27": "纳西", "28": "景颇",
    "29": "柯尔克孜", "30": "土", "31": "达斡尔", "32": "仫佬", "33": "羌", "34": "布朗",
    "35": "撒拉", "36": "毛南", "37": "仡佬", "38": "锡伯", "39": "阿昌", "40": "普米",
    "41": "塔吉克", "42": "怒", "43": "乌孜别克", "44": "俄罗斯", "45": "鄂温克", "46": "德昂",
    "47": "保安", "48": "裕固", "49": "京", "50": "塔塔尔", "51": "独龙", "52": "鄂伦春",
    "53": "赫哲", "54": "门巴", "55": "珞巴", "56": "基诺",
    "97": "其他", "98": "外国血统",
}
GENDERS = {"1": "男", "2": "女"}  # GB/T 2261.1 codes 0 (未知) and 9 (未说明) never appear on a card
TYPE_FLAG_AT = 248

LAYOUTS = {
    "resident": {"name": (0, 30), "gender": (30, 2), "nation": (32, 4), "birth": (36, 16),
                 "address": (52, 70), "id_number": (122, 36), "issuer": (158, 30),
                 "valid_from": (188, 16), "valid_to": (204, 16)},
    "I": {"english_name": (0, 120), "gender": (120, 2), "id_number": (122, 30),
          "nation": (152, 6), "name": (158, 30), "valid_from": (188, 16), "valid_to": (204, 16),
          "birth": (220, 16), "card_version": (236, 4), "issuer": (240, 8)},
}
LAYOUTS["J"] = {**{k: v for k, v in LAYOUTS["resident"].items() if k != "nation"},
                "pass_number": (220, 18), "issue_count": (238, 4)}
_FLAGS = {"resident": " ", "J": "J", "I": "I"}


class UnknownCardType(ReaderError):
    reason = "unknown_card_type"


def _get(block: bytes, offset: int, size: int, field: str) -> str:
    try:
        return block[offset:offset + size].decode("utf-16-le").strip(" \x00")
    except UnicodeDecodeError:
        raise InvalidCard(field, "not UCS-2 text") from None


def card_type_of(block: bytes) -> str:
    flag = _get(block, TYPE_FLAG_AT, 2, "card_type")
    if flag == "":
        return "resident"
    if flag in ("J", "I"):
        return flag
    # The flag is one character of the card's reserved bytes: say which only when it is a
    # known one, never echo it.
    hint = ": 2023 外国人永久居留身份证 ('Y'), not decoded yet" if flag == "Y" else ""
    raise UnknownCardType(f"unknown type flag{hint}")


def decode_card(text: bytes, photo: bytes = b"", today: date | None = None) -> IdCard:
    """Decode a 256-byte text block and check it (validate.check_card, ``today`` for the
    birth date); raise UnknownCardType or InvalidCard, whose messages carry no card data."""
    if len(text) != TEXT_LEN:
        raise InvalidCard("text_block", f"{len(text)} bytes, expected {TEXT_LEN}")
    card_type = card_type_of(text)
    raw = {key: _get(text, off, size, key) for key, (off, size) in LAYOUTS[card_type].items()}
    gender = GENDERS.get(raw["gender"])
    if gender is None:
        raise InvalidCard("gender", "code is not 1 or 2")
    nation: str | None = None
    if card_type == "resident":
        nation = NATIONS.get(raw["nation"])
        if nation is None:
            raise InvalidCard("nation", "code is not in GB 3304")
    elif card_type == "I":
        nation = raw["nation"]  # 国籍 code, checked by validate
    valid_to = None if raw["valid_to"] == LONG_TERM else parse_date(raw["valid_to"], "valid_to")
    card = IdCard(
        card_type=card_type, name=raw["name"] or raw.get("english_name", ""), gender=gender,
        nation=nation, birth=parse_date(raw["birth"], "birth"), address=raw.get("address", ""),
        id_number=raw["id_number"], issuer=raw["issuer"],
        valid_from=parse_date(raw["valid_from"], "valid_from"), valid_to=valid_to, photo=bytes(photo),
        english_name=raw.get("english_name", ""), pass_number=raw.get("pass_number", ""),
        issue_count=raw.get("issue_count", ""), card_version=raw.get("card_version", ""),
    )
    return check_card(card, today)


def encode_text(values: dict[str, str], card_type: str) -> bytes:
    """Build a text block from field codes as they sit on the card (for the simulator).

    ``values`` uses the LAYOUTS keys with card codes (gender ``1``, nation ``01``, dates
    ``YYYYMMDD``). ``card_type`` may be any single character to make an unknown card.
    """
    layout = LAYOUTS.get(card_type, LAYOUTS["resident"])
    block = bytearray(" ".encode("utf-16-le") * (TEXT_LEN // 2))
    for key, (off, size) in layout.items():
        value = str(values.get(key, "")).encode("utf-16-le")
        if len(value) > size:
            raise ValueError(f"{key}: {len(value) // 2} characters, the field holds {size // 2}")
        block[off:off + len(value)] = value
    flag = _FLAGS.get(card_type, card_type)
    if len(flag) != 1:
        raise ValueError("a card type flag is one character")
    block[TYPE_FLAG_AT:TYPE_FLAG_AT + 2] = flag.encode("utf-16-le")
    return bytes(block)

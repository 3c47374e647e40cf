"""What espeak-ng is given to read: the text with its numbers written out in Chinese words.

espeak-ng 1.51's Mandarin voice reads digits badly (checked with `espeak-ng -x`): a thousands
separator splits a number into pieces ("12,345,678.5" -> 十二万 三百 四十五 七十八 五), the
decimal point is dropped ("1200.50" -> 一千二百 五零), five digits and more get wrong units
("10086" -> 十千 八十六), "%" switches to English ("percent") and a minus sign is lost. So every
ASCII number is rewritten here before it is spoken:

* amounts and counts by value: 1,200.00 -> 一千二百点零零, 96.2% -> 百分之九十六点二,
  -12.5 -> 负十二点五, 第1行 -> 第一行;
* codes digit by digit: a run with a leading zero, seven digits or more, digits right after a
  Latin letter, a year before 年: 0571-86512300 -> 零五七一 八六五一二三零零, A012 -> A零一二,
  2026年 -> 二零二六年;
* clock times and ranges: 8:30-12:00 -> 八点三十分至十二点; 1-12幢 -> 一至十二幢;
  ISO dates: 2026-12-03 -> 二零二六年十二月三日.

Symbols espeak-ng reads in English ("slash", "ampersand", "asterisk", ...) become the Chinese
words people say: 元/年 -> 元每年, 党务/政务 -> 党务、政务, & -> 和, + -> 加, 3#楼 -> 3号楼; a
masked name (DESIGN.md: 张*明, 李*) is read the way people say one, 张某明, 李某.

Pure text functions, no Kivy, no espeak-ng.
"""
from __future__ import annotations

import re

DIGITS = "零一二三四五六七八九"
_SECTION_UNITS = ("", "万", "亿", "万亿")
_PLACES = ((1000, "千"), (100, "百"), (10, "十"), (1, ""))
MAX_VALUE_DIGITS = 16     # beyond this a number is read digit by digit
CODE_DIGITS = 7           # a plain run this long (phone, account, ID) is a code, not an amount

_ISO_DATE = re.compile(r"(?<![\d.:-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d:-])")
_TIME = r"(?<![\d.:])([01]?\d|2[0-3]):([0-5]\d)(?![\d:])"
_TIME_RANGE = re.compile(_TIME + r"\s*[-–—~～]\s*" + _TIME)
_TIME_ONE = re.compile(_TIME)
_DASHED_CODE = re.compile(r"(?<![\d.,])\d+(?:-\d+)+(?![\d.,])")
_MASK = re.compile(r"[*＊]+")
_PER = re.compile(r"(?<=[元人次户件份个张本吨度])\s*[/／]\s*(?=[年月日天周次人户件个小时分秒斤吨度])")
_SLASH = re.compile(r"\s*[/／\\]\s*")
SYMBOLS = {"&": "和", "＆": "和", "+": "加", "＋": "加", "=": "等于", "＝": "等于", "#": "号",
           "＃": "号", "@": " ", "~": "至", "～": "至", "・": "·"}
_SYMBOL = re.compile("[" + re.escape("".join(SYMBOLS)) + "]")
_RANGE_DASH = re.compile(r"(?<=\d)\s*[-–~～]\s*(?=\d)")
_NUMBER = re.compile(
    r"(?P<sign>(?<![0-9A-Za-z.,)])[-−])?"
    r"(?<!\d)(?P<int>\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?P<frac>\.\d+)?(?P<pct>\s*[%％])?")


def digits_words(digits: str) -> str:
    """"0571" -> 零五七一: each digit on its own."""
    return "".join(DIGITS[int(d)] for d in digits if d.isdigit())


def _section_words(value: int) -> str:
    """1..9999 in words, with 零 for inner gaps: 1005 -> 一千零五."""
    out, gap = [], False
    for size, unit in _PLACES:
        digit = value // size % 10
        if digit == 0:
            gap = gap or bool(out)
            continue
        if gap:
            out.append("零")
            gap = False
        out.append(DIGITS[digit] + unit)
    return "".join(out)


def integer_words(value: int) -> str:
    """A whole number in words: 10086 -> 一万零八十六, 120000 -> 十二万, 0 -> 零."""
    if value == 0:
        return "零"
    sections = []
    while value:
        sections.append(value % 10000)
        value //= 10000
    out, gap = "", False
    for index in range(len(sections) - 1, -1, -1):
        section = sections[index]
        if section == 0:
            gap = bool(out)
            continue
        if out and (gap or section < 1000):
            out += "零"
        out += _section_words(section) + _SECTION_UNITS[index]
        gap = False
    return out[1:] if out.startswith("一十") else out  # 十二, not 一十二


def number_words(integer: str, fraction: str = "", sign: str = "", percent: bool = False) -> str:
    """An amount by value: ("1,200", ".00") -> 一千二百点零零; percent -> 百分之…"""
    plain = integer.replace(",", "")
    if len(plain) > MAX_VALUE_DIGITS:
        words = digits_words(plain)
    else:
        words = integer_words(int(plain))
    if fraction:
        words += "点" + digits_words(fraction)
    if percent:
        words = "百分之" + words
    return ("负" if sign else "") + words


def _is_code(text: str, match: re.Match) -> bool:
    """A run read digit by digit: leading zero, very long, after a Latin letter or a "+",
    a year before 年."""
    integer = match.group("int")
    if "," in integer or match.group("frac") or match.group("pct"):
        return False
    start = match.start("int")
    before = text[start - 1] if start else ""
    after = text[match.end("int"):].lstrip()[:1]
    return (len(integer) > 1 and integer.startswith("0")) or len(integer) >= CODE_DIGITS \
        or (before.isascii() and before.isalpha()) or before in ("+", "＋") \
        or (after == "年" and len(integer) == 4)


def _number(text: str, match: re.Match) -> str:
    if _is_code(text, match):
        return (match.group("sign") or "") + digits_words(match.group("int"))
    return number_words(match.group("int"), (match.group("frac") or "")[1:],
                        match.group("sign") or "", bool(match.group("pct")))


def _dashed_code(match: re.Match) -> str:
    """0571-86512300, 400-123-4567: digit by digit, a pause for each dash; 1-12 stays (a range)."""
    groups = match[0].split("-")
    if groups[0].startswith("0") or sum(len(g) for g in groups) >= CODE_DIGITS:
        return " ".join(digits_words(g) for g in groups)
    return match[0]


def time_words(hour: str, minute: str) -> str:
    """"8", "30" -> 八点三十分; "12", "00" -> 十二点; "8", "05" -> 八点零五分."""
    words = integer_words(int(hour)) + "点"
    if minute == "00":
        return words
    return words + ("零" if minute.startswith("0") else "") + integer_words(int(minute)) + "分"


def spoken_text(text: str) -> str:
    """`text` with every ASCII number written out in Chinese words and the symbols espeak-ng
    would read in English replaced; the rest unchanged."""
    text = _MASK.sub("某", text)
    text = _PER.sub("每", text)
    text = _SLASH.sub("、", text)
    text = _ISO_DATE.sub(lambda m: f"{digits_words(m[1])}年{integer_words(int(m[2]))}月"
                                   f"{integer_words(int(m[3]))}日", text)
    text = _TIME_RANGE.sub(lambda m: f"{time_words(m[1], m[2])}至{time_words(m[3], m[4])}", text)
    text = _TIME_ONE.sub(lambda m: time_words(m[1], m[2]), text)
    text = _DASHED_CODE.sub(_dashed_code, text)
    text = _RANGE_DASH.sub("至", text)
    text = _NUMBER.sub(lambda m: _number(text, m), text)
    return _SYMBOL.sub(lambda m: SYMBOLS[m[0]], text)

"""Is a decoded card internally consistent? Only a card that passes counts as a card.

A card refused here raises :class:`InvalidCard`, whose ``reason`` is ``invalid_card:<field>``
(the maintenance log and ``on_error`` show it). Messages name the field and the rule, never a
value read from the card.

Rules, all card types:

* Every digit is an ASCII digit (``str.isdigit`` also takes fullwidth ``１`` and Arabic-Indic
  ``١``; the card stores ASCII, so anything else is a garbled read).
* Text fields hold no control or format characters (C0/C1 controls, zero-width and bidi marks,
  line separators). Private-use characters are allowed: real cards put rare 生僻字 there.
* ``birth`` is a real date, from 1900-01-01 to today (the kiosk's date, see ``card.reference_today``).
* ``valid_from`` is not before ``birth``; ``valid_to`` is after ``valid_from`` and at most the
  card type's longest validity later (resident 20 years, J 5, I 10; from 29 February up to
  1 March, see :func:`add_years`); ``长期`` only on resident (and, unconfirmed, I) cards.
  ``valid_from`` is not compared with today (a kiosk clock that is behind must not refuse a
  new card); an expired card is still a card (the public view says so).

公民身份号码 (resident and J cards, GB 11643-1999): 18 characters, 17 ASCII digits and a check
character (digit or ``X``, upper case, only last) that matches ISO 7064 MOD 11-2; digits 7-14
equal ``birth``; the 17th digit is odd for 男 and even for 女. Resident: the first two digits
are a mainland province code of GB/T 2260 (11-15, 21-23, 31-37, 41-46, 50-54, 61-65). J (港澳台
居民居住证): the number starts 810000 (Hong Kong), 820000 (Macao) or 830000 (Taiwan); the
通行证号码 is 1-9 ASCII letters and digits and the 签发次数 two ASCII digits.

外国人永久居留身份证 2017 ('I'): the number is 3 upper-case ASCII letters and 12 ASCII digits
(the 2023 notice of the 国家移民管理局 on the new card describes the old one as "3 位拉丁字母
+12 位数字"). Within it, per one public source (the credentialkit library) and our sample card:
letters = nationality at first issue, digits 4-7 = 受理地 code (first two a mainland province),
digits 8-13 = birth as YYMMDD, digit 14 odd = male, 15 = a check digit (ICAO 9303 7-3-1
weights). We enforce the format, the province and the birth date; gender digit and check digit
are not enforced until a real card confirms them. Neither the nationality in the number nor
its 受理地 is compared with the 国籍 / 受理机关 fields: those are of the *current* issue and
may differ after a renewal. The 国籍 field is three upper-case ASCII letters, 受理机关 four ASCII
digits, 证件版本号 two.
"""
from __future__ import annotations

import unicodedata
from datetime import date

from .card import IdCard, reference_today
from .frames import ReaderError

EARLIEST_BIRTH = date(1900, 1, 1)
MAX_VALID_YEARS = {"resident": 20, "J": 5, "I": 10}
PROVINCES = frozenset({11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44,
                       45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65})
J_PREFIXES = ("810000", "820000", "830000")

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_DIGITS = frozenset("0123456789")
_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


class InvalidCard(ReaderError):
    """The card read is not internally consistent; ``field`` names the first field that fails."""

    reason = "invalid_card"

    def __init__(self, field: str, rule: str):
        self.field = field
        super().__init__(f"{field}: {rule}", reason=f"invalid_card:{field}")


def ascii_digits(text: str, count: int | None = None) -> bool:
    return bool(text) and set(text) <= _DIGITS and (count is None or len(text) == count)


def id_check_digit(first17: str) -> str:
    """GB 11643-1999 check character of an 18-character 公民身份号码 (ISO 7064 MOD 11-2)."""
    if not ascii_digits(first17, 17):
        raise ValueError("need the first 17 ASCII digits")
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]


def id_number_valid(number: str) -> bool:
    return len(number) == 18 and ascii_digits(number[:17]) and id_check_digit(number[:17]) == number[17]


def parse_date(text: str, field: str) -> date:
    """``YYYYMMDD`` in ASCII digits -> date, else InvalidCard."""
    if not ascii_digits(text, 8):
        raise InvalidCard(field, "not 8 ASCII digits (YYYYMMDD)")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise InvalidCard(field, "not a calendar date") from None


def add_years(day: date, years: int) -> date:
    """The latest date a validity of ``years`` from ``day`` may end: from 29 February, 1 March
    (whether the card then says 28 Feb, 29 Feb or 1 Mar is not known, so all are taken)."""
    if (day.month, day.day) == (2, 29):
        return date(day.year + years, 3, 1)
    return day.replace(year=day.year + years)


def _text(value: str, field: str, required: bool = True) -> None:
    if required and not value:
        raise InvalidCard(field, "empty")
    if any(unicodedata.category(ch) in _BAD_CATEGORIES for ch in value):
        raise InvalidCard(field, "control or format characters")


def _dates(card: IdCard, today: date) -> None:
    if not EARLIEST_BIRTH <= card.birth <= today:
        raise InvalidCard("birth", f"not between {EARLIEST_BIRTH.isoformat()} and today")
    if card.valid_from < card.birth:
        raise InvalidCard("valid_from", "before the birth date")
    if card.valid_to is None:
        if card.card_type == "J":
            raise InvalidCard("valid_to", "长期 on a card that is valid for 5 years")
        return
    if card.valid_to <= card.valid_from:
        raise InvalidCard("valid_to", "not after valid_from")
    years = MAX_VALID_YEARS[card.card_type]
    if card.valid_to > add_years(card.valid_from, years):
        raise InvalidCard("valid_to", f"more than {years} years after valid_from")


def _citizen_number(card: IdCard) -> None:
    """GB 11643 number of a resident or J card."""
    number = card.id_number
    if len(number) != 18 or not ascii_digits(number[:17]) or not (number[17] in _DIGITS or number[17] == "X"):
        raise InvalidCard("id_number", "not 17 ASCII digits and a digit or X")
    if card.card_type == "J":
        if number[:6] not in J_PREFIXES:
            raise InvalidCard("id_number", "a J card number starts 810000, 820000 or 830000")
    elif int(number[:2]) not in PROVINCES:
        raise InvalidCard("id_number", "region code is not a mainland province")
    if id_check_digit(number[:17]) != number[17]:
        raise InvalidCard("id_number", "check digit (GB 11643 MOD 11-2) does not match")
    if number[6:14] != card.birth.strftime("%Y%m%d"):
        raise InvalidCard("id_number", "birth date in the number differs from the birth field")
    if (int(number[16]) % 2 == 1) != (card.gender == "男"):
        raise InvalidCard("id_number", "gender digit differs from the gender field")


def _permanent_resident_number(card: IdCard) -> None:
    """15-character number of a 2017 外国人永久居留身份证 (see the module docstring)."""
    number = card.id_number
    if len(number) != 15 or not set(number[:3]) <= _LETTERS or not ascii_digits(number[3:]):
        raise InvalidCard("id_number", "not 3 ASCII capitals and 12 ASCII digits")
    if int(number[3:5]) not in PROVINCES:
        raise InvalidCard("id_number", "受理地 code is not a mainland province")
    if number[7:13] != card.birth.strftime("%y%m%d"):
        raise InvalidCard("id_number", "birth date in the number differs from the birth field")


def _type_fields(card: IdCard) -> None:
    if card.card_type == "I":
        _text(card.english_name, "english_name")
        if not (len(card.nation or "") == 3 and set(card.nation) <= _LETTERS):
            raise InvalidCard("nation", "not a 3-letter country code")
        if not ascii_digits(card.issuer, 4):
            raise InvalidCard("issuer", "not a 4-digit 受理机关 code")
        if not ascii_digits(card.card_version, 2):
            raise InvalidCard("card_version", "not 2 ASCII digits")
        _permanent_resident_number(card)
        return
    _text(card.address, "address")
    _text(card.issuer, "issuer")
    if card.card_type == "J":
        if not (1 <= len(card.pass_number) <= 9 and set(card.pass_number) <= _DIGITS | _LETTERS):
            raise InvalidCard("pass_number", "not 1-9 ASCII capitals and digits")
        if not ascii_digits(card.issue_count, 2):
            raise InvalidCard("issue_count", "not 2 ASCII digits")
    _citizen_number(card)


def check_card(card: IdCard, today: date | None = None) -> IdCard:
    """Return ``card`` if it is internally consistent, else raise InvalidCard (first failure)."""
    if card.gender not in ("男", "女"):
        raise InvalidCard("gender", "not 男 or 女")
    _text(card.name, "name")
    _dates(card, reference_today(today))
    _type_fields(card)
    return card

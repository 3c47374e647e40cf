"""An ID card as read, held in memory only for the current interaction, and its masked views.

Nothing here writes a card anywhere. ``repr()`` and ``str()`` show masked values only, so a
card that ends up in a log line or a traceback does not leak the name or the number; screens,
receipts and the CLI use :meth:`IdCard.to_public_json` or the ``mask_*`` helpers. What the
public view holds, and why no more, is set out in docs/devices.md ("What is shown where").
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

CARD_TYPES = ("resident", "J", "I")
LONG_TERM = "长期"
ELDERLY_AGE = 60  # 老年人权益保障法 第二条: 老年人 = 六十周岁以上
# A kiosk without a real-time clock may boot at 1970 until NTP answers; every card would then
# be "born in the future" and every age negative. Below this floor the clock is taken as wrong.
CLOCK_FLOOR = date(2025, 1, 1)


def reference_today(today: date | None = None) -> date:
    """``today`` (default: the system date), but never before CLOCK_FLOOR."""
    return max(today or date.today(), CLOCK_FLOOR)


def mask_id(number: str, keep_end: int = 4) -> str:
    """Keep the first 3 and the last ``keep_end`` characters: ``320***********1234``.

    Resident numbers keep their last 4 (sequence and check: no birth digit). J and I numbers
    keep their last 2: a J number's first 6 digits are one of three fixed prefixes, so with the
    last 4 and the age only ~100 numbers would remain; an I number's last 4 begin with the
    birth day (docs/devices.md, "What is shown where").
    """
    if len(number) <= 3 + keep_end:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 3 - keep_end) + number[-keep_end:]


def mask_name(name: str) -> str:
    """``张三`` -> ``张*``, ``张小明`` -> ``张*明``, 4 or more characters keep first and last."""
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def age_on(birth: date, on_date: date) -> int:
    """Completed years; someone born on 29 February turns a year older on 1 March."""
    years = on_date.year - birth.year
    if (on_date.month, on_date.day) < (birth.month, birth.day):
        years -= 1
    return years


@dataclass(frozen=True, repr=False)
class IdCard:
    """One card. ``card_type`` is ``resident`` (居民身份证), ``J`` (港澳台居民居住证) or ``I``
    (外国人永久居留身份证, 2017 layout). Fields a type does not carry are empty/None:

    * ``nation``: 民族 name (``汉``) on resident cards; None on J cards (no 民族 field); on I
      cards the 国籍 code as printed (ISO 3166-1 alpha-3, e.g. ``CAN``).
    * ``name``: the Chinese name; on I cards the Chinese name if the card has one, else the
      English name (``english_name`` keeps the English one).
    * ``issuer``: 签发机关 name; on I cards the 4-character 受理机关 code.
    * ``valid_to``: a date, or None for 长期.
    * ``photo``: the 1024-byte photo block as read (WLT-compressed on real cards), kept opaque.
    """

    card_type: str
    name: str
    gender: str
    nation: str | None
    birth: date
    address: str
    id_number: str
    issuer: str
    valid_from: date
    valid_to: date | None
    photo: bytes = b""
    english_name: str = ""
    pass_number: str = ""    # J: 通行证号码
    issue_count: str = ""    # J: 签发次数
    card_version: str = ""   # I: 证件版本号

    def __post_init__(self):
        if self.card_type not in CARD_TYPES:
            raise ValueError(f"card_type must be one of {CARD_TYPES}")

    @property
    def valid_to_text(self) -> str:
        return LONG_TERM if self.valid_to is None else self.valid_to.isoformat()

    def age(self, on_date: date | None = None) -> int:
        return age_on(self.birth, reference_today(on_date))

    def expired(self, on_date: date | None = None) -> bool:
        return self.valid_to is not None and self.valid_to < reference_today(on_date)

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)

    @property
    def id_masked(self) -> str:
        return mask_id(self.id_number, 4 if self.card_type == "resident" else 2)

    def to_public_json(self, on_date: date | None = None) -> dict:
        """Exactly what may leave the device layer, and only what its uses need.

        The queue needs a masked name to call and the age for elderly priority; the resident
        recognises the card by the masked number. No birth date (with the masked number it
        narrows the full number to ~90 candidates), no gender, 民族 or address, no validity
        date (only whether the card has expired), no photo.
        """
        age = self.age(on_date)
        return {
            "card_type": self.card_type,
            "name_masked": self.name_masked,
            "id_masked": self.id_masked,
            "age": age,
            "elderly": age >= ELDERLY_AGE,
            "expired": self.expired(on_date),
        }

    def __repr__(self) -> str:
        return f"IdCard({self.card_type}, {self.name_masked}, {self.id_masked})"

    __str__ = __repr__

"""An ID card as read, held in memory only for the current interaction, and its masked views.

Nothing here writes a card anywhere. ``repr()`` and ``str()`` show masked values only, so a
card that ends up in a log line or a traceback does not leak the name or the number; screens,
receipts and the CLI use :meth:`IdCard.to_public_json` or the ``mask_*`` helpers.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

CARD_TYPES = ("resident", "J", "I")
LONG_TERM = "长期"

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """GB 11643-1999 check character of an 18-character 公民身份号码 (ISO 7064 MOD 11-2)."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("need the first 17 digits")
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]


def id_number_valid(number: str) -> bool:
    return len(number) == 18 and number[:17].isdigit() and id_check_digit(number[:17]) == number[17].upper()


def mask_id(number: str) -> str:
    """Keep the first 3 and last 4 characters: ``320102199001011234`` -> ``320***********1234``."""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


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
        return age_on(self.birth, on_date or date.today())

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)

    @property
    def id_masked(self) -> str:
        return mask_id(self.id_number)

    def to_public_json(self, on_date: date | None = None) -> dict:
        """Exactly what may leave the device layer: never the full name or number, no photo."""
        return {
            "card_type": self.card_type,
            "name_masked": self.name_masked,
            "gender": self.gender,
            "nation": self.nation,
            "birth": self.birth.isoformat(),
            "age": self.age(on_date),
            "id_masked": self.id_masked,
            "valid_to": self.valid_to_text,
        }

    def __repr__(self) -> str:
        return f"IdCard({self.card_type}, {self.name_masked}, {self.id_masked})"

    __str__ = __repr__

"""Impossible cards are refused (issue 11, class 5): each rule of devices/idcard/validate.py gets
a hostile card that breaks it and a neighbour on the right side of the line, all through the
real text block (encode_text -> decode_card), so the decoder's parsing is exercised too."""
from __future__ import annotations

from datetime import date

import pytest

from devices.idcard.card import CLOCK_FLOOR
from devices.idcard.fields import decode_card, encode_text
from devices.idcard.validate import InvalidCard, add_years, id_check_digit, id_number_valid

TODAY = date(2026, 6, 1)


def number(first17: str) -> str:
    return first17 + id_check_digit(first17)


def resident(**over) -> dict:
    values = {"name": "李小四", "gender": "2", "nation": "03", "birth": "19600229", "address": "演示路2号",
              "id_number": number("32010219600229002"), "issuer": "演示分局", "valid_from": "20100101",
              "valid_to": "长期"}
    values.update(over)
    return values


def j_card(**over) -> dict:
    values = {"name": "陈演示", "gender": "2", "birth": "19850612", "address": "演示街8号",
              "id_number": number("81000019850612998"), "issuer": "演示分局", "valid_from": "20230901",
              "valid_to": "20280901", "pass_number": "H99990001", "issue_count": "01"}
    values.update(over)
    return values


def i_card(**over) -> dict:
    values = {"english_name": "SAMPLE, DEMO PERSON", "name": "样本", "gender": "1", "nation": "CAN",
              "birth": "19800501", "id_number": "CAN310080050194", "issuer": "3100", "valid_from": "20200115",
              "valid_to": "20300115", "card_version": "01"}
    values.update(over)
    return values


BUILD = {"resident": resident, "J": j_card, "I": i_card}


def decode(card_type: str, today: date = TODAY, **over):
    return decode_card(encode_text(BUILD[card_type](**over), card_type), today=today)


def refused(card_type: str, field: str, today: date = TODAY, **over) -> InvalidCard:
    values = BUILD[card_type](**over)
    with pytest.raises(InvalidCard) as info:
        decode_card(encode_text(values, card_type), today=today)
    assert info.value.reason == f"invalid_card:{field}", str(info.value)
    message = str(info.value)
    for value in values.values():  # the message names the rule, never a value of the card
        if len(value) >= 3 and value not in ("长期",):
            assert value not in message, (value, message)
    return info.value


def test_the_three_sample_layouts_pass():
    assert decode("resident").birth == date(1960, 2, 29)
    assert decode("J").card_type == "J"
    assert decode("I").nation == "CAN"


def test_check_digit_is_gb11643():
    assert id_check_digit("11010519491231002") == "X"  # the GB 11643 worked example
    assert id_number_valid("11010519491231002X") and not id_number_valid("110105194912310021")
    assert not id_number_valid("11010519491231002x")  # the card stores upper case
    with pytest.raises(ValueError):
        id_check_digit("1101051949123100２")  # a fullwidth digit is not a digit here


# ---- digits are ASCII digits -----------------------------------------------------------------
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize("table", [FULLWIDTH, ARABIC_INDIC], ids=["fullwidth", "arabic-indic"])
@pytest.mark.parametrize("field", ["birth", "valid_from", "valid_to", "id_number"])
def test_non_ascii_digits_are_refused(table, field):
    values = resident(valid_to="20300101")
    hostile = values[field].translate(table)
    assert hostile.isdigit() and hostile != values[field]  # what str.isdigit() let through
    refused("resident", field, **{**values, field: hostile})


@pytest.mark.parametrize("table", [FULLWIDTH, ARABIC_INDIC], ids=["fullwidth", "arabic-indic"])
def test_non_ascii_digits_in_j_and_i_fields(table):
    refused("J", "issue_count", issue_count="01".translate(table))
    refused("I", "issuer", issuer="3100".translate(table))
    refused("I", "card_version", card_version="01".translate(table))
    refused("I", "id_number", id_number="CAN" + "310080050194".translate(table))


# ---- birth date -------------------------------------------------------------------------------
@pytest.mark.parametrize("birth", ["99991231", "20260602", "18991231", "00000000", "19600230", "19601301", "1960022"])
def test_impossible_birth_dates(birth):
    """The number carries the same birth digits, so only the date itself is wrong."""
    refused("resident", "birth", birth=birth, id_number=number("320102" + birth.ljust(8, "0") + "002"))


@pytest.mark.parametrize("birth", ["19000101", "20260601"])
def test_birth_dates_on_the_limits_pass(birth):
    card = decode("resident", birth=birth, id_number=number("320102" + birth + "002"), valid_from="20260601")
    assert card.birth.strftime("%Y%m%d") == birth


def test_age_minus_7974_cannot_happen():
    """Issue 11: a birth date of 9999-12-31 gave age -7974; now the card never gets that far."""
    refused("resident", "birth", birth="99991231", id_number=number("32010299991231002"))


def test_a_kiosk_clock_at_1970_does_not_refuse_every_card():
    card = decode("resident", today=date(1970, 1, 1))
    assert card.age(date(1970, 1, 1)) == card.age(CLOCK_FLOOR) > 60


# ---- validity ---------------------------------------------------------------------------------
@pytest.mark.parametrize("over, field", [
    ({"valid_from": "19591231"}, "valid_from"),                        # issued before birth
    ({"valid_from": "20200101", "valid_to": "20200101"}, "valid_to"),  # ends the day it starts
    ({"valid_from": "20200101", "valid_to": "20191231"}, "valid_to"),  # ends before it starts
    ({"valid_from": "20200101", "valid_to": "20400102"}, "valid_to"),  # 20 years and a day
    ({"valid_from": "2020010", "valid_to": "20400101"}, "valid_from"),
    ({"valid_to": "长 期"}, "valid_to"),
    ({"valid_to": "永久"}, "valid_to"),
])
def test_impossible_validity(over, field):
    refused("resident", field, **over)


@pytest.mark.parametrize("valid_from, valid_to", [("20200101", "20400101"), ("20200101", "20200102"),
                                                  ("19600229", "长期"), ("20000229", "20200229")])
def test_validity_on_the_limits_passes(valid_from, valid_to):
    decode("resident", valid_from=valid_from, valid_to=valid_to)


def test_an_expired_card_is_still_a_card():
    card = decode("resident", valid_from="20000101", valid_to="20200101")
    assert card.expired(TODAY) and card.to_public_json(TODAY)["expired"] is True


def test_j_card_validity_is_5_years_and_never_long_term():
    decode("J", valid_from="20230901", valid_to="20280901")
    refused("J", "valid_to", valid_from="20230901", valid_to="20280902")
    refused("J", "valid_to", valid_to="长期")


def test_i_card_validity_is_at_most_10_years():
    decode("I", valid_from="20200115", valid_to="20300115")
    refused("I", "valid_to", valid_from="20200115", valid_to="20300116")


def test_add_years_on_29_february():
    """Found by the 100,000-frame fuzz: a card valid from 29 Feb 1996 to 1 Mar 2016 was refused."""
    assert add_years(date(2000, 2, 29), 20) == date(2020, 3, 1)
    assert add_years(date(2000, 2, 29), 5) == date(2005, 3, 1)
    assert add_years(date(2000, 3, 1), 5) == date(2005, 3, 1)
    decode("resident", valid_from="19960229", valid_to="20160301")
    refused("resident", "valid_to", valid_from="19960229", valid_to="20160302")


# ---- 公民身份号码 ---------------------------------------------------------------------------
GOOD17 = "32010219600229002"


@pytest.mark.parametrize("id_number", [
    GOOD17 + str((int(id_check_digit(GOOD17)) + 1) % 10) if id_check_digit(GOOD17).isdigit() else GOOD17 + "0",
    GOOD17 + "x",                                     # lower-case x
    "3201021960022900X" + id_check_digit(GOOD17),     # X not last
    GOOD17,                                           # 17 characters
    "32010219600229002" + "Ｘ",                        # fullwidth X
    " " + number(GOOD17)[1:],                         # a space inside
], ids=["check-digit", "lower-x", "x-inside", "17-chars", "fullwidth-x", "space"])
def test_malformed_numbers(id_number):
    """(A longer number cannot be sent: the field holds 18 characters.)"""
    refused("resident", "id_number", id_number=id_number)


@pytest.mark.parametrize("region", ["000000", "990102", "710102", "810000", "820000", "160102", "910102"])
def test_region_code_must_be_a_mainland_province(region):
    refused("resident", "id_number", id_number=number(region + "19600229002"))


@pytest.mark.parametrize("region", ["110101", "650102", "460100", "500101"])
def test_mainland_provinces_pass(region):
    decode("resident", id_number=number(region + "19600229002"))


def test_birth_in_the_number_must_equal_the_birth_field():
    refused("resident", "id_number", id_number=number("32010219600228002"))
    refused("resident", "id_number", id_number=number("32010219610229002"))


def test_gender_digit_must_match_the_gender_field():
    refused("resident", "id_number", id_number=number("32010219600229001"))          # odd: 男, card says 女
    refused("resident", "id_number", gender="1", id_number=number("32010219600229002"))
    assert decode("resident", gender="1", id_number=number("32010219600229001")).gender == "男"


def test_a_number_with_check_digit_x_passes():
    first17 = next(f"32010219600229{n:03d}" for n in range(0, 1000, 2) if id_check_digit(f"32010219600229{n:03d}") == "X")
    assert decode("resident", id_number=first17 + "X").id_number.endswith("X")


# ---- J cards ----------------------------------------------------------------------------------
@pytest.mark.parametrize("prefix", ["810000", "820000", "830000"])
def test_j_card_prefixes(prefix):
    decode("J", id_number=number(prefix + "19850612998"))


@pytest.mark.parametrize("prefix", ["810001", "840000", "320102", "800000"])
def test_j_card_wrong_prefix(prefix):
    refused("J", "id_number", id_number=number(prefix + "19850612998"))


def test_j_card_number_follows_gb11643():
    refused("J", "id_number", id_number=number("81000019850612997"))  # odd: 男, card says 女
    refused("J", "id_number", id_number=number("81000019850613998"))  # birth differs
    refused("J", "id_number", id_number=number("81000019850612998")[:-1] + "Y")


@pytest.mark.parametrize("over, field", [({"pass_number": ""}, "pass_number"), ({"pass_number": "H9999-001"}, "pass_number"),
                                         ({"pass_number": "Ｈ99990001"}, "pass_number"), ({"issue_count": "1"}, "issue_count"),
                                         ({"address": ""}, "address"), ({"issuer": ""}, "issuer")])
def test_j_card_fields(over, field):
    refused("J", field, **over)


# ---- I cards (2017) ---------------------------------------------------------------------------
@pytest.mark.parametrize("id_number", ["CAN31008005019", "can310080050194", "CA1310080050194",
                                       "CAN310080050194".replace("3100", "9900"), "CAN310080050294",
                                       "CAN310081050194", "320102198005011"],
                         ids=["14", "lower", "digit-in-letters", "region", "birth-day", "birth-year", "digits-only"])
def test_i_card_number_layout(id_number):
    refused("I", "id_number", id_number=id_number)


def test_i_card_number_keeps_its_own_nationality_and_office():
    """The number is of the first issue: a renewal in another office or a new 国籍 is fine."""
    card = decode("I", nation="USA", issuer="1100")
    assert card.id_number == "CAN310080050194"


@pytest.mark.parametrize("over, field", [({"nation": "Can"}, "nation"), ({"nation": "CA"}, "nation"),
                                         ({"issuer": "310"}, "issuer"), ({"card_version": "1"}, "card_version"),
                                         ({"english_name": ""}, "english_name")])
def test_i_card_fields(over, field):
    refused("I", field, **over)


def test_i_card_without_a_chinese_name_uses_the_english_one():
    assert decode("I", name="").name == "SAMPLE, DEMO PERSON"


# ---- text fields ------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["\x00", "\x1b[2J", "\n", "\u200b", "\u202e", "\u2028", "\x85"],
                         ids=["nul", "ansi", "newline", "zero-width", "bidi", "line-sep", "c1"])
@pytest.mark.parametrize("field", ["name", "address", "issuer"])
def test_control_and_format_characters_are_refused(bad, field):
    refused("resident", field, **{field: "演示" + bad + "路"})


def test_rare_characters_in_the_private_use_area_pass():
    assert decode("resident", name="李\ue000四").name == "李\ue000四"  # 生僻字 are stored in the PUA

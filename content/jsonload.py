"""JSON from a bundle, parsed with refusals instead of crashes.

The standard parser raises RecursionError on deeply nested input and ValueError on integers
beyond Python's digit limit, accepts NaN and Infinity (and turns 1e999 into inf), and guesses
UTF-16 or UTF-32 for bytes. Content JSON is UTF-8 text with plain finite numbers, nested a few
levels: anything else is refused here with a message that names what and where.
"""
from __future__ import annotations

import gc
import json
import math
import re
from typing import Any

# a JSON string, in UTF-8 bytes (a quote or a backslash byte is never part of another character)
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))
_OPENING = frozenset(b"[{")
_LONE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class JSONRefused(ValueError):
    """Not acceptable JSON; `detail` says why (and where, when the parser knows)."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


def load_json(data: bytes, max_depth: int, max_int_digits: int) -> Any:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise JSONRefused("not UTF-8 text: truncated or saved in another encoding") from None
    if too_deep(data, max_depth):
        raise JSONRefused(f"nested deeper than {max_depth} levels")

    def parse_int(digits: str) -> int:
        if len(digits.lstrip("-")) > max_int_digits:
            raise JSONRefused(f"a number with {len(digits.lstrip('-'))} digits (at most {max_int_digits})")
        return int(digits)

    def parse_float(literal: str) -> float:
        value = float(literal)
        if not math.isfinite(value):
            raise JSONRefused(f"the number {literal[:40]} is too large for a float")
        return value

    def parse_constant(name: str) -> Any:
        raise JSONRefused(f"{name} is not a number JSON allows")

    # the parser builds no cycles, but the cycle collector would walk the growing tree again and
    # again (a flat 6 MB document: 1.8 s with it, 0.3 s without)
    collecting = gc.isenabled()
    gc.disable()
    try:
        value = json.loads(text, parse_int=parse_int, parse_float=parse_float, parse_constant=parse_constant)
    except json.JSONDecodeError as exc:
        raise JSONRefused(f"line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:  # not reached after the depth check; kept so it can never escape
        raise JSONRefused("nested too deeply") from None
    finally:
        if collecting:
            gc.enable()
    if _LONE_SURROGATE.search(text):
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise JSONRefused("a \\uD800-\\uDFFF escape that is not part of a pair (not text)") from None
    return value


def too_deep(data: bytes, limit: int) -> bool:
    """True when [ and { nest deeper than `limit` outside strings.

    Empty pairs are removed at C speed first (a pass lowers the depth by two at most), so a
    large flat document costs little; the exact count runs only when that is not enough.
    """
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    reduced, slack = brackets, 0
    while slack < 8 and len(reduced) > 4096:
        shorter = reduced.replace(b"[]", b"").replace(b"{}", b"")
        if len(shorter) == len(reduced):
            break
        reduced, slack = shorter, slack + 2
    if _deepest(reduced, limit - slack) <= limit - slack:
        return False
    return slack == 0 or _deepest(brackets, limit) > limit


def _deepest(brackets: bytes, stop_above: int) -> int:
    depth = deepest = 0
    for ch in brackets:
        if ch in _OPENING:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_above:
                    break
        else:
            depth -= 1
    return deepest

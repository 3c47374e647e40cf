"""Reading the settings file safely, and showing hostile values in one short line.

Whatever the file is -- a folder, a FIFO, /dev/zero, 20 MB, GBK bytes, 100 000 nested arrays, a
10 000-digit number -- reading it ends in a `ConfigError` whose lines name the file and the
problem (with line and column when the parser knows them): never a traceback, never a read that
blocks, never a message that quotes a 20 MB value whole.
"""
from __future__ import annotations

import codecs
import os
import re
import stat
import tomllib
from pathlib import Path

MAX_CONFIG_BYTES = 1 << 20  # the example file is 2 KB; anything near 1 MiB is not a settings file
SHOW_CHARS = 60  # how much of a bad value an error line quotes
MAX_PROBLEM_LINES = 20  # error lines shown before "… and N more"

_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_TOML_AT_END = re.compile(r"\s*\(at end of document\)$")
_LONG_DECIMAL = re.compile(r"[+-]?\d[\d_]{4300,}")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
# tomllib's time grows with the square of a dotted key's length (200 000 parts: minutes), so a
# key of MAX_KEY_PARTS parts is refused before parsing. Possessive quantifiers and the
# look-behind keep this scan linear on any input.
MAX_KEY_PARTS = 16
_LONG_DOTTED_KEY = re.compile(
    r"""(?<![A-Za-z0-9_-])(?:(?:[A-Za-z0-9_-]++|"[^"\n]*+"|'[^'\n]*+')[ \t]*+\.[ \t]*+){%d}""" % (MAX_KEY_PARTS - 1))
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


class ConfigError(Exception):
    """Settings that cannot be used. `lines` are the messages for the maintainer, one problem each
    (each names where it comes from); str() joins them."""

    def __init__(self, lines: str | list[str]):
        self.lines = [lines] if isinstance(lines, str) else list(lines)
        super().__init__("\n".join(self.lines))


def escape(text: str, quotes: bool = False) -> str:
    """`text` with every character that is not printable (NUL, newline, ESC, bidi marks …) written
    as an escape, so it stays on one visible line; with `quotes` also `"` and `\\`."""
    out = []
    for ch in text:
        if quotes and ch in '"\\':
            out.append("\\" + ch)
        elif ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)


def show(value: object, limit: int = SHOW_CHARS) -> str:
    """A value as TOML would write it, at most about `limit` characters of it: `"abc"`, `true`,
    `90.0`, `[1, 2]`, `"xxxx…"… (20971520 chars)`, `[[[[[…… (1 items)`."""
    if isinstance(value, (dict, list)):
        text = ""
        for token in _tokens(value, 0):
            text += token
            if len(text) > SHOW_CHARS:
                unit = "keys" if isinstance(value, dict) else "items"
                return f"{text[:SHOW_CHARS]}… ({len(value)} {unit})"
        return text
    if isinstance(value, str):
        head = f'"{escape(value[:limit], quotes=True)}"'
        return head if len(value) <= limit else f"{head}… ({len(value)} chars)"
    return _scalar(value)


def show_key_part(key: str) -> str:
    """A key as TOML needs it: bare when it can be, else quoted (and shortened)."""
    return key if _BARE_KEY.fullmatch(key) and len(key) <= SHOW_CHARS else show(key)


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    try:
        text = value.isoformat() if hasattr(value, "isoformat") else repr(value)
    except (ValueError, RecursionError):  # an int past the str-conversion limit
        text = f"<{type(value).__name__}>"
    text = escape(text)
    return text if len(text) <= SHOW_CHARS else f"{text[:SHOW_CHARS]}… ({len(text)} chars)"


def _tokens(value: object, depth: int):
    """TOML text of an array or inline table, piece by piece, so a caller can stop early."""
    if depth > 8:
        yield "…"
    elif isinstance(value, list):
        yield "["
        for i, item in enumerate(value):
            yield ", " if i else ""
            yield from _tokens(item, depth + 1)
        yield "]"
    elif isinstance(value, dict):
        yield "{ "
        for i, (key, item) in enumerate(value.items()):
            yield f"{', ' if i else ''}{show_key_part(str(key))} = "
            yield from _tokens(item, depth + 1)
        yield " }"
    else:
        yield show(value)


def one_line(text: str, limit: int = 300) -> str:
    """A message from elsewhere (an OS error, a parser) made safe to print: escaped and capped."""
    text = escape(str(text))
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} chars)"


def show_path(path: str | os.PathLike) -> str:
    """A file or folder name for a message; quoted when it holds spaces or unprintable characters."""
    text = os.fspath(path)
    shown = escape(text[:200]) + (f"… ({len(text)} chars)" if len(text) > 200 else "")
    return shown if shown == text and text and " " not in text else f'"{shown}"'


def bounded(lines: list[str], where: str, limit: int = MAX_PROBLEM_LINES) -> list[str]:
    """At most `limit` problem lines, then one that says how many more there are."""
    if len(lines) <= limit:
        return lines
    return lines[:limit] + [f"{where}: … and {len(lines) - limit} more problem(s)"]


def kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def read_toml(path: Path, where: str, how: str = "") -> dict:
    """The parsed file. `where` starts every message (`config file /etc/kiosk/kiosk.toml`); `how`
    says who named the file, for "does not exist" (`given by KIOSK_CONFIG`)."""
    text = _decode(_read_bytes(path, where, how), where)
    long_key = _LONG_DOTTED_KEY.search(text)
    if long_key:
        raise ConfigError(f"{where}: refused at line {text.count(chr(10), 0, long_key.start()) + 1}: a dotted key "
                          f"of {MAX_KEY_PARTS} or more parts (kiosk keys have at most 2, e.g. display.width)")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML {_toml_position(str(exc), text)}") from None
    except RecursionError:
        raise ConfigError(f"{where}: not valid TOML: arrays or inline tables nested too deeply "
                          "(kiosk settings are at most one [table] deep)") from None
    except ValueError as exc:  # int(): more digits than Python converts (sys.get_int_max_str_digits)
        m = _LONG_DECIMAL.search(text)
        at = f" at line {text.count(chr(10), 0, m.start()) + 1}" if m else ""
        detail = f"a number with {sum(c.isdigit() for c in m.group())} digits" if m else one_line(exc, 120)
        raise ConfigError(f"{where}: not valid TOML{at}: {detail} (no setting needs more than 4 digits)") from None


def _read_bytes(path: Path, where: str, how: str) -> bytes:
    """At most MAX_CONFIG_BYTES of a regular file; anything else is refused before it is opened
    for reading (a FIFO would block, /dev/zero never ends)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        link = f" (a link to {show_path(os.readlink(path))})" if os.path.islink(path) else ""
        raise ConfigError(f"{where}: does not exist{link}" + (f" ({how})" if how else "")) from None
    except PermissionError:
        raise ConfigError(f"{where}: cannot be reached: a folder above it is closed to uid {os.getuid()}") from None
    except OSError as exc:  # ENOTDIR, ELOOP, ENAMETOOLONG, and ValueError never: argv/env hold no NUL
        raise ConfigError(f"{where}: cannot be read: {one_line(exc.strerror or exc, 120)}") from None
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(f"{where}: is {kind_of(st.st_mode)}, not a file: name the TOML file itself")
    _check_size(st.st_size, where, f"is {st.st_size} bytes")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except PermissionError:
        raise ConfigError(f"{where}: cannot be read by uid {os.getuid()}: permission denied "
                          "(chmod or chown it so this user can read it)") from None
    except OSError as exc:
        raise ConfigError(f"{where}: cannot be read: {one_line(exc.strerror or exc, 120)}") from None
    with os.fdopen(fd, "rb") as f:
        mode = os.fstat(f.fileno()).st_mode
        if not stat.S_ISREG(mode):  # swapped between stat() and open()
            raise ConfigError(f"{where}: is {kind_of(mode)}, not a file: name the TOML file itself")
        try:
            data = f.read(MAX_CONFIG_BYTES + 1)
        except OSError as exc:  # EIO on a failing card, EISDIR on odd file systems
            raise ConfigError(f"{where}: cannot be read: {one_line(exc.strerror or exc, 120)}") from None
    _check_size(len(data), where, f"grew past {MAX_CONFIG_BYTES} bytes while being read")
    return data


def _check_size(size: int, where: str, what: str) -> None:
    if size > MAX_CONFIG_BYTES:
        raise ConfigError(f"{where}: {what}; a settings file is at most {MAX_CONFIG_BYTES} "
                          "bytes (1 MiB): is it the right file?")


def _decode(data: bytes, where: str) -> str:
    """UTF-8 text; a leading byte-order mark (Windows Notepad writes one) is dropped."""
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        try:
            data.decode("gb18030")
            hint = "it looks like GBK/GB18030: save it as UTF-8"
        except UnicodeDecodeError:
            hint = "save it as UTF-8"
        raise ConfigError(f"{where}: not UTF-8 text: byte 0x{data[exc.start]:02x} at line {line}, "
                          f"column {column} ({hint})") from None


def _toml_position(message: str, text: str) -> str:
    """tomllib's message with its position moved to the front and the offending line quoted:
    `at line 3, column 9: Cannot overwrite a value: role = "display"`."""
    m = _TOML_POSITION.search(message)
    if _TOML_AT_END.search(message):
        return f"at the end of the file: {one_line(_TOML_AT_END.sub('', message), 160)}"
    if not m:
        return f": {one_line(message, 160)}"
    line_no, column = int(m.group(1)), int(m.group(2))
    reason = one_line(message[:m.start()], 160)
    if reason == "Cannot overwrite a value":
        reason += " (is a key given twice?)"
    lines = text.split("\n", line_no)
    source = lines[line_no - 1].rstrip("\r") if line_no <= len(lines) else ""
    start = max(0, column - 1 - SHOW_CHARS // 2) if len(source) > SHOW_CHARS else 0
    excerpt = ("…" if start else "") + escape(source[start:start + SHOW_CHARS]) + (
        "…" if len(source) > start + SHOW_CHARS else "")
    return f"at line {line_no}, column {column}: {reason}: {excerpt}"

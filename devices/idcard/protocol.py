"""Commands and status codes of the SAM reader protocol, and one exchange per command.

Command table (CMD, PARA), from the same sources as frames.py. They agree except on "reset
SAM": the csdn/eastcoms/softs.im tables say ``10 FF`` while the BearPi driver defines
``CMD_RESET_SAM_A 0x01``; we follow the three tables (and do not need reset anyway).

=====================  ======  =========================================================
command                CMD PARA  reply SW3 (SW1 SW2 are 00 00 unless the card sent its own)
=====================  ======  =========================================================
reset SAM              10 FF   90
SAM status (probe)     11 FF   90 = SAM ready
SAM id                 12 FF   90 + 16 bytes
find card  (寻找证/卡)   20 01   9F = found (+ 4 bytes IIN, usually 00 00 00 00); 80 = none
select card (选取证/卡)  20 02   90 = selected (+ 8 bytes card serial); 81 = failed
read base info         30 01   90 + ``01 00 04 00`` + 256 text + 1024 photo (reply 1295 bytes)
                               41 = read failed (card moved away, weak field)
=====================  ======  =========================================================

``01 00 04 00`` are two big-endian lengths: text 0x0100 = 256, photo 0x0400 = 1024 (eastcoms
"身份证阅读器SAM模块身份证信息解析说明" shows the reply head ``AA AA AA 96 69 05 08 00 00 90 01
00 04 00``: LEN 0x0508 = 1288 = SW(3) + lengths(4) + 256 + 1024 + CHK(1); 7 + 1288 = 1295).
"""
from __future__ import annotations

from .frames import ReaderError, Reply, build_request, parse_reply, read_frame
from .transport import Transport

SAM_RESET = (0x10, 0xFF)
SAM_STATUS = (0x11, 0xFF)
SAM_ID = (0x12, 0xFF)
FIND_CARD = (0x20, 0x01)
SELECT_CARD = (0x20, 0x02)
READ_BASE = (0x30, 0x01)

SW_OK = 0x90
SW_FOUND = 0x9F
SW_NO_CARD = 0x80
SW_SELECT_FAILED = 0x81
SW_READ_FAILED = 0x41
SW_CHECKSUM = 0x10

TEXT_LEN = 256
PHOTO_LEN = 1024
READ_REPLY_LEN = 1295

# SW3 -> (reason code, meaning), from the softs.im status table (00 00 90 ... 00 00 91).
STATUS = {
    0x90: ("ok", "操作成功"),
    0x9F: ("found", "寻找证/卡成功"),
    0x10: ("checksum_rejected", "the reader got our request with a bad checksum"),
    0x11: ("length_rejected", "the reader got our request with a bad length"),
    0x21: ("command_rejected", "the reader rejected the command or its parameters"),
    0x24: ("reader_unknown_error", "无法识别的错误"),
    0x31: ("card_auth_failed", "身份证对阅读器认证失败"),
    0x32: ("reader_auth_failed", "阅读器对身份证认证失败"),
    0x33: ("verify_failed", "信息验证错误"),
    0x40: ("wrong_card", "错误的卡"),
    0x41: ("read_failed", "读身份证失败"),
    0x47: ("random_failed", "取随机数失败"),
    0x60: ("sam_selftest_failed", "阅读器自检失败"),
    0x66: ("sam_unauthorised", "阅读器未经过授权"),
    0x80: ("no_card", "搜寻身份证失败"),
    0x81: ("select_failed", "选取身份证失败"),
    0x91: ("no_content", "证/卡中此项无内容"),  # meaning cut off in softs.im; as commonly cited
}


class StatusError(ReaderError):
    """The reader answered with a known status that is a failure for this command."""

    def __init__(self, sw3: int, command: str):
        self.sw3 = sw3
        reason, meaning = STATUS[sw3]
        super().__init__(f"{command}: SW3 {sw3:02x} {meaning}", reason=reason)


class UnknownStatus(ReaderError):
    reason = "unknown_status"

    def __init__(self, sw3: int, command: str):
        self.sw3 = sw3
        super().__init__(f"{command}: unknown SW3 {sw3:02x}")


class LengthMismatch(ReaderError):
    """A well-framed read reply whose inner text/photo lengths do not add up."""

    reason = "bad_length"


def fail(reply: Reply, command: str) -> ReaderError:
    if reply.sw3 in STATUS:
        return StatusError(reply.sw3, command)
    return UnknownStatus(reply.sw3, command)


def split_base_info(data: bytes) -> tuple[bytes, bytes]:
    """``01 00 04 00`` + text + photo -> (text, photo), checking the two lengths exactly."""
    if len(data) < 4:
        raise LengthMismatch(f"read reply carries {len(data)} bytes, no length fields")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    if text_len != TEXT_LEN:
        raise LengthMismatch(f"text length {text_len}, expected {TEXT_LEN}")
    if len(data) != 4 + text_len + photo_len:
        raise LengthMismatch(f"text {text_len} + photo {photo_len} but {len(data) - 4} bytes follow")
    return data[4:4 + text_len], data[4 + text_len:]


class ReaderLink:
    """One reader on one transport: a request out, one strict reply back, per command."""

    def __init__(self, transport: Transport, command_timeout: float = 0.5, read_timeout: float = 3.0):
        self.transport = transport
        self.command_timeout = command_timeout
        self.read_timeout = read_timeout
        self.stale_bytes = 0  # bytes found waiting before a request (a previous reply's tail)

    def exchange(self, command: tuple[int, int], timeout: float | None = None, data: bytes = b"") -> Reply:
        self.stale_bytes += self.transport.reset_input()
        self.transport.write(build_request(command[0], command[1], data))
        frame = read_frame(self.transport, self.command_timeout if timeout is None else timeout)
        return parse_reply(frame)

    def sam_status(self) -> None:
        reply = self.exchange(SAM_STATUS)
        if reply.sw3 != SW_OK:
            raise fail(reply, "SAM status")

    def find(self) -> bool:
        reply = self.exchange(FIND_CARD)
        if reply.sw3 == SW_FOUND:
            return True
        if reply.sw3 == SW_NO_CARD:
            return False
        raise fail(reply, "find card")

    def select(self) -> bytes | None:
        """The card's serial (select reply data) or None when no card could be selected."""
        reply = self.exchange(SELECT_CARD)
        if reply.sw3 == SW_OK:
            return reply.data
        if reply.sw3 == SW_SELECT_FAILED:
            return None
        raise fail(reply, "select card")

    def card_serial(self) -> bytes | None:
        """Find, then select even when find said "no card".

        PITFALLS: some readers answer find with 80 while a card still lies there (typically
        after it was read once, until it is lifted); select still works on them. So select
        decides presence, and its serial tells one card from the next.
        """
        self.find()
        return self.select()

    def read_base(self) -> tuple[bytes, bytes]:
        reply = self.exchange(READ_BASE, timeout=self.read_timeout)
        if reply.sw3 != SW_OK:
            raise fail(reply, "read card")
        return split_base_info(reply.data)

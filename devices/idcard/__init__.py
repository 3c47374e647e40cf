"""二代身份证 reader: SAM serial protocol driver, card decoding and masking, pty simulator.

Layers, lowest first (each importable and testable on its own):

* ``transport`` — bytes in and out (pyserial is imported there and nowhere else);
  ``open_transport(port)`` is the factory (``virtual[:CARD.json]`` = in-process simulator).
* ``frames``    — ``AA AA AA 96 69`` framing, strict parsing, the exception types.
* ``protocol``  — commands, status codes, ``ReaderLink`` (one exchange per command).
* ``fields``    — the 256-byte UCS-2 text block -> ``IdCard``; GB 3304 nations; J / I layouts.
* ``validate``  — the rules a card must meet to count as one (``invalid_card:<field>``).
* ``card``      — ``IdCard`` (memory only), the masking helpers and the public view.
* ``reader``    — ``IdCardReader``: polling thread, state machine, ``on_card`` / ``on_removed``
  / ``on_error`` events.
* ``cardfile``  — card descriptions (JSON) for the simulator, loaded strictly.
* ``sim``       — a reader that speaks the bytes on a pty (``kiosk sim idcard``).
* ``cli``       — ``kiosk idcard read`` and ``kiosk sim idcard``.
"""
from .card import IdCard, mask_id, mask_name
from .reader import IdCardReader, ReaderListener, ReaderState, ReaderTimings

__all__ = ["IdCard", "IdCardReader", "ReaderListener", "ReaderState", "ReaderTimings", "mask_id", "mask_name"]

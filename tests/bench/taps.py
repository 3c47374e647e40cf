"""How the UI benchmarks tap: a real touch posted to Kivy's event loop, frames stepped by hand.

A finger rests on the glass for a while (80-150 ms for a deliberate tap; HOLD_S = 80 ms here),
and every button of the app acts when the finger lifts (`on_release`, screens/widgets.py). So a
tap is: touch-down, frames for HOLD_S (the pressed look is drawn meanwhile, as on a real panel),
then touch-up; the figure is the time from the touch-up to the end of the first frame that shows
the result. Each frame ends with glFinish(): Mesa's llvmpipe rasterizes after the flip in its own
threads, so without it the drawing would be paid by whichever frame came next.

Kivy's loop sleeps between frames (60 fps cap) and reads input when it wakes: a finger lifts at
a random moment of that cycle. The bench lifts it after a random part of a frame period
(seeded), so the figure carries the same average wait as a real tap, not always the worst.

`Tap.from_down` keeps the time from the touch-down as well (hold included), for comparison.
"""
from __future__ import annotations

import random
import statistics
import time
from dataclasses import dataclass

HOLD_S = 0.08
MAX_FRAMES = 60
FRAME_PERIOD_S = 1 / 60  # Kivy's default maxfps
_phase = random.Random(20261122)


@dataclass
class Tap:
    seconds: float      # finger lifted -> end of the first frame showing the result
    from_down: float    # touch-down -> the same frame (includes HOLD_S)
    frames: int         # frames drawn after the finger lifted, the result's included


def frame() -> None:
    from kivy.base import EventLoop
    from kivy.graphics.opengl import glFinish

    EventLoop.idle()  # clock, input, layout, draw, flip
    glFinish()


def frames(count: int) -> None:
    for _ in range(count):
        frame()


def tap(widget, shown, hold_s: float = HOLD_S) -> Tap:
    """Touch `widget` at its centre, hold, lift; step frames until `shown()` is true."""
    from kivy.graphics.opengl import glFinish
    from kivy.tests.common import UnitTestTouch

    time.sleep(getattr(widget, "debounce_s", 0.5) + 0.02)  # not a double tap of the last one
    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    glFinish()  # nothing of an earlier frame left to pay for
    down = time.perf_counter()
    touch.touch_down()
    frame()
    while time.perf_counter() - down < hold_s:
        frame()
    time.sleep(_phase.uniform(0, FRAME_PERIOD_S))  # the loop was this far into its sleep
    lifted = time.perf_counter()
    touch.touch_up()
    for count in range(1, MAX_FRAMES + 1):
        frame()
        if shown():
            end = time.perf_counter()
            return Tap(end - lifted, end - down, count)
    raise RuntimeError(f"{widget!r}: result not shown {MAX_FRAMES} frames after the tap")


def p50_p95_ms(seconds: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000 for s in seconds)
    return statistics.median(ms), ms[max(0, round(0.95 * len(ms)) - 1)]


def summary(name: str, taps: list[Tap]) -> str:
    p50, p95 = p50_p95_ms([t.seconds for t in taps])
    d50, d95 = p50_p95_ms([t.from_down for t in taps])
    return (f"{name:<30} n={len(taps):<3} p50={p50:6.1f} ms  p95={p95:6.1f} ms   "
            f"(from touch-down p50={d50:6.1f} p95={d95:6.1f}; "
            f"frames {statistics.mean(t.frames for t in taps):.1f})")

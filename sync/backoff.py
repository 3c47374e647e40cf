"""How long to wait before asking the hub again after a failure (hub down, 5xx, timeouts).

Exponential with "full jitter" (a uniform draw between `base` and the exponential bound, capped),
so a fleet that lost its hub at the same moment does not come back in lock-step. A `Retry-After`
from the hub is honoured when it is longer. Time and randomness are injected (tests).
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["delay", "Backoff"]


def delay(failures: int, *, base: float = 2.0, cap: float = 300.0, factor: float = 2.0,
          rand: Callable[[], float] = random.random, retry_after: float | None = None) -> float:
    """Seconds to wait after `failures` consecutive failures (1 = the first): a draw in
    [base, min(cap, base * factor**(failures-1))], never below `retry_after` (itself capped
    at 24 h), 0 when nothing failed."""
    if failures <= 0:
        return 0.0
    bound = min(cap, base * factor ** min(failures - 1, 64))
    wait = base + (bound - base) * rand()
    if retry_after is not None:
        wait = max(wait, min(retry_after, 86400.0))
    return wait


@dataclass
class Backoff:
    """The failure count and the time the next attempt may start."""
    base: float = 2.0
    cap: float = 300.0
    clock: Callable[[], float] = time.monotonic
    rand: Callable[[], float] = random.random
    failures: int = 0
    not_before: float = field(default=0.0)

    def failed(self, retry_after: float | None = None) -> float:
        """Record a failure; the seconds to wait."""
        self.failures += 1
        wait = delay(self.failures, base=self.base, cap=self.cap, rand=self.rand, retry_after=retry_after)
        self.not_before = self.clock() + wait
        return wait

    def succeeded(self) -> None:
        self.failures, self.not_before = 0, 0.0

    def wait_s(self) -> float:
        """Seconds left before the next attempt may start (0: now)."""
        return max(0.0, self.not_before - self.clock())

"""Exponential back-off with jitter, persisted so a boot loop cannot storm the network."""
# delay(n) = min(cap_s, base_s * factor**(n-1)) * (1 - jitter * r), r uniform in [0, 1):
# jitter=1 is full jitter, 0.5 proportional (50..100 % of the step), 0 none.
# The consecutive failure count, last error, last delay and the not_before wall time are
# kept in a State under `key` and saved on every failure (one small write; nothing is
# written while things succeed). After a restart remaining_s() says how long to wait:
# from not_before if the wall clock is set, else the whole last delay (no clock: assume
# no time has passed).
import random
import time
from micropython import const

_MAX_STEPS = const(64)
_ERR_LEN = const(60)
_CLOCK_YEAR = const(2024)  # time.time() before this year means the RTC is not set
_MAX_CAP_S = const(86400)  # keeps ticks_add() deltas inside the 2**29 ms ticks range


def wall_time():
    """Seconds from time.time() if the clock looks set, else None."""
    t = time.time()
    return t if time.gmtime(int(t))[0] >= _CLOCK_YEAR else None


class Backoff:
    """``next_delay_s(err)`` after a failure, ``reset()`` after a success."""
    # failures: consecutive failures (persisted); attempts: failures + successes seen
    # by this object; last_error: short text of the last error (persisted: the caller
    # redacts secrets first).

    def __init__(self, base_s, cap_s, factor=2, jitter=0.5, state=None, key="backoff"):
        if not 0 < base_s <= cap_s <= _MAX_CAP_S or factor < 1 or not 0 <= jitter <= 1:
            raise ValueError("backoff parameters")
        self.base_s = base_s
        self.cap_s = cap_s
        self.factor = factor
        self.jitter = jitter
        self._state = state
        self._key = key
        p = (state.get(key) if state is not None else None) or {}
        self.failures = p.get("f", 0)
        self.last_error = p.get("e")
        self.last_delay_s = p.get("d", 0)
        self.not_before = p.get("nb")  # wall-clock seconds or None
        self.attempts = 0
        self._deadline = None  # ticks_ms deadline set in this boot

    def step_s(self, n):
        """Un-jittered delay after ``n`` consecutive failures."""
        d = self.base_s
        for _ in range(min(n - 1, _MAX_STEPS)):
            d *= self.factor
            if d >= self.cap_s:
                break
        return min(d, self.cap_s)

    def next_delay_s(self, err=None):
        """Record a failure; return the delay (float seconds) before the next attempt."""
        self.failures += 1
        self.attempts += 1
        r = random.getrandbits(24) / 16777216
        d = self.step_s(self.failures) * (1 - self.jitter * r)
        self.last_delay_s = d
        if err is not None:
            self.last_error = (err if isinstance(err, str) else
                               "%s: %s" % (type(err).__name__, err))[:_ERR_LEN]
        now = wall_time()
        # whole seconds, rounded up: today's time as a single-precision float (the float
        # of most MCU ports) has 64 s steps
        self.not_before = now + int(d) + (d > int(d)) if now is not None else None
        self._deadline = time.ticks_add(time.ticks_ms(), int(d * 1000))
        self._persist()
        return d

    def reset(self):
        """Record a success: the next failure starts from ``base_s`` again. Nothing is
        written when there was no failure to forget (a duty cycle's one state write)."""
        self.attempts += 1
        was = self.failures or self._deadline is not None
        self.failures = 0
        self.last_error = None
        self.last_delay_s = 0
        self.not_before = None
        self._deadline = None
        if was:
            self._persist()

    def remaining_s(self):
        """Seconds still to wait before the next attempt (0: go now)."""
        if self._deadline is not None:
            left = time.ticks_diff(self._deadline, time.ticks_ms()) / 1000
        elif not self.failures:
            return 0
        else:  # restored from State after a restart
            now = wall_time()
            if self.not_before is not None and now is not None:
                left = self.not_before - now
            else:
                left = self.last_delay_s
            left = max(0, min(left, self.cap_s))
            self._deadline = time.ticks_add(time.ticks_ms(), int(left * 1000))
        return max(0, min(left, self.cap_s))

    def _persist(self):
        st = self._state
        if st is None:
            return
        if self.failures:
            st.set(self._key, {"f": self.failures, "e": self.last_error,
                               "d": self.last_delay_s, "nb": self.not_before})
        else:
            st.delete(self._key)
        st.save()

    def __repr__(self):
        return "<Backoff failures=%d last=%.1fs err=%s>" % (
            self.failures, self.last_delay_s, self.last_error)

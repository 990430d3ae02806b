"""Fault injection, on demand, reproducible from a seed.

Every fault is either one-shot (`once=True`, the default for command faults) or random with a
seeded probability `p` (each decision drawn from its own `random.Random(seed)`), so a failing
run replays exactly with the same seed. Byte faults act on the wire (after the transcript
sees nothing: the transcript logs what was really sent/received).
"""
import random
import threading


class _Rule:
    def __init__(self, kind, match=None, once=True, p=1.0, seed=0, **kw):
        self.kind = kind
        self.match = match.upper() if isinstance(match, str) else match
        self.once = once
        self.p = p
        self.rng = random.Random(seed)
        self.kw = kw
        self.fired = 0
        self.active = True

    def matches(self, line):
        if self.match is None:
            return True
        up = line.upper()
        return up == self.match or up.startswith(self.match)

    def draw(self):
        """Decide whether the rule fires now (consumes the rule when once)."""
        if not self.active:
            return False
        if self.p < 1.0 and self.rng.random() >= self.p:
            return False
        self.fired += 1
        if self.once:
            self.active = False
        return True


class Faults:
    """The fault switchboard of one Simulator (`sim.faults`)."""

    def __init__(self, sim, seed=0):
        self._sim = sim
        self._seed = seed
        self._lock = threading.RLock()
        self.byte_rules = []     # drop/corrupt/duplicate, direction "out"/"in"/"both"
        self.split = None        # (rng, p, gap_s)
        self.cmd_rules = []      # error/omit/delay/reboot
        self.line_rules = []     # drop_line_byte (module -> MCU)
        self.cmd_byte_rules = []  # drop_command_byte (MCU -> module)
        self.reg_failures = 0    # remaining registrations that end in +QLWREG: 1
        self.reg_passes = 0      # registrations that go through before those fail
        self.attempt_failures = []  # per registration attempt: "bootstrap"/"lwm2m"/None
        self.create_errors = 0   # remaining AT+QLWREG answered +CME ERROR: 34
        self.update_failures = 0  # remaining updates that fail (ping 4, then re-register)
        self.report_ack_losses = 0
        self.report_ack_loss_rule = None
        self.wrrsp_error = False  # answer ERROR to AT+QLWWRRSP (driver fallback test)

    # ---- byte level -------------------------------------------------------------------
    def _byte(self, kind, p, seed, direction):
        r = _Rule(kind, None, once=False, p=p, seed=self._seed if seed is None else seed)
        r.direction = direction
        with self._lock:
            self.byte_rules.append(r)
        return r

    def drop_bytes(self, p=0.01, seed=None, direction="out"):
        return self._byte("drop", p, seed, direction)

    def corrupt_bytes(self, p=0.01, seed=None, direction="out"):
        return self._byte("corrupt", p, seed, direction)

    def duplicate_bytes(self, p=0.01, seed=None, direction="out"):
        return self._byte("duplicate", p, seed, direction)

    def split_lines(self, p=1.0, seed=None, gap_ms=20):
        """Split each output write at a random byte, with a real pause of gap_ms between parts."""
        with self._lock:
            self.split = (random.Random(self._seed if seed is None else seed), p, gap_ms / 1000.0)

    def drop_line_byte(self, prefix, pos, once=True):
        """Drop byte ``pos`` of the next output line starting with ``prefix`` (bytes)."""
        r = _Rule("line", None, once=once)
        r.prefix, r.pos = prefix, pos
        with self._lock:
            self.line_rules.append(r)
        return r

    def drop_command_byte(self, prefix, pos, once=True):
        """Drop byte ``pos`` of the next command line the MCU sends starting with ``prefix``
        (bytes), before the module reads it: ``(b"AT+QLWNOTIFY=19", 14)`` makes the
        module read ``AT+QLWNOTIFY=1,...`` (the byte must arrive in the same read as the
        prefix: a command's first 100 bytes always do)."""
        r = _Rule("cmdbyte", None, once=once)
        r.prefix, r.pos = prefix, pos
        with self._lock:
            self.cmd_byte_rules.append(r)
        return r

    def _apply_lines(self, data, rules):
        for r in rules:
            i = data.find(r.prefix) if r.active else -1
            if i >= 0:
                r.fired += 1
                r.active = not r.once
                data = data[:i + r.pos] + data[i + r.pos + 1:]
        return data

    def apply_bytes(self, data, direction):
        with self._lock:
            if direction == "out" and self.line_rules:
                data = self._apply_lines(data, self.line_rules)
            if direction == "in" and self.cmd_byte_rules:
                data = self._apply_lines(data, self.cmd_byte_rules)
            rules = [r for r in self.byte_rules if r.active and r.direction in (direction, "both")]
            if not rules:
                return data
            out = bytearray()
            for b in data:
                keep = [b]
                for r in rules:
                    if r.rng.random() >= r.p:
                        continue
                    r.fired += 1
                    if r.kind == "drop":
                        keep = []
                    elif r.kind == "corrupt":
                        keep = [x ^ (1 << r.rng.randrange(8)) for x in keep]
                    elif r.kind == "duplicate":
                        keep = keep + keep
                out.extend(keep)
            return bytes(out)

    def split_point(self, n):
        """Where to cut an output chunk of n bytes (or None), and the pause after the cut."""
        with self._lock:
            if not self.split or n < 2:
                return None, 0
            rng, p, gap = self.split
            if rng.random() >= p:
                return None, 0
            return rng.randrange(1, n), gap

    def overlong_line(self, length=2048, seed=None, terminate=True):
        """Emit now a line of `length` printable garbage bytes (no CR/LF inside)."""
        rng = random.Random(self._seed if seed is None else seed)
        junk = bytes(rng.randrange(33, 127) for _ in range(length))
        self._sim._emit(b"\r\n" + junk + (b"\r\n" if terminate else b""))

    def garbage(self, data):
        """Emit arbitrary raw bytes now."""
        self._sim._emit(bytes(data))

    # ---- command level ----------------------------------------------------------------
    def _cmd(self, kind, match, once, p, seed, **kw):
        r = _Rule(kind, match, once=once, p=p, seed=self._seed if seed is None else seed, **kw)
        with self._lock:
            self.cmd_rules.append(r)
        return r

    def error(self, cmd, code=None, once=True, p=1.0, seed=None):
        """Answer `+CME ERROR: code` (or bare `ERROR` when code is None) without executing."""
        return self._cmd("error", cmd, once, p, seed, code=code)

    def omit(self, cmd, once=True, p=1.0, seed=None):
        """Execute the command but send none of its immediate response (info lines + OK)."""
        return self._cmd("omit", cmd, once, p, seed)

    def delay(self, cmd, ms, once=True, p=1.0, seed=None):
        """Delay the whole output of the command by ms of real time (not scaled)."""
        return self._cmd("delay", cmd, once, p, seed, ms=ms)

    def reboot(self, after_cmd=None, when="before", once=True, p=1.0, seed=None):
        """Reboot now (after_cmd None) or on a command: when = "before" (not executed),
        "mid" (half of the response bytes then the banner) or "after" (full response)."""
        if after_cmd is None:
            self._sim.reboot(reason="spontaneous")
            return None
        return self._cmd("reboot", after_cmd, once, p, seed, when=when)

    def match_command(self, line):
        with self._lock:
            for r in self.cmd_rules:
                if r.active and r.matches(line) and r.draw():
                    return r
        return None

    def fail_registration(self, n=1, after=0):
        """The next n registration attempts end in +QLWREG: 1 (state back to 0); ``after``:
        that many attempts go through first."""
        with self._lock:
            self.reg_failures += n
            self.reg_passes = after

    def fail_update(self, n=1):
        """The next n updates fail (+QLWURC: "ping",4); the module then registers again
        by itself (note 3.3 case 3), ending in +QLWREG: 0, or 1 with fail_registration."""
        with self._lock:
            self.update_failures += n

    def take_update_failure(self):
        with self._lock:
            if self.update_failures > 0:
                self.update_failures -= 1
                return True
        return False

    def fail_attempts(self, n=1, server=None):
        """Queue n failures of registration attempts to `server` ("bootstrap", "lwm2m",
        None: any): each attempt fails (times out) when the head of the queue names its
        server. The module retries by itself (note 3.3) before it reports +QLWREG: 1."""
        with self._lock:
            self.attempt_failures += [server] * n

    def take_attempt_failure(self, server):
        with self._lock:
            q = self.attempt_failures
            if q and q[0] in (None, server):
                del q[0]
                return True
        return False

    def create_error(self, n=1):
        """The next n AT+QLWREG are refused with +CME ERROR: 34 (chapter 6: "Create lwm2m
        error": the module could not create its client)."""
        with self._lock:
            self.create_errors += n

    def take_create_error(self):
        with self._lock:
            if self.create_errors > 0:
                self.create_errors -= 1
                return True
        return False

    def take_reg_failure(self):
        with self._lock:
            if self.reg_passes > 0:
                self.reg_passes -= 1
                return False
            if self.reg_failures > 0:
                self.reg_failures -= 1
                return True
        return False

    def lose_registration(self):
        """Lose the registration now: "ping",4 and the module registers again by itself
        (+QLWREG: 0, or 1 after fail_registration); an update in flight never ends."""
        self._sim.modem_call("registration_lost")

    def network_lost(self):
        self._sim.modem_call("network_lost")

    def network_resumed(self):
        self._sim.modem_call("network_resumed")

    def lose_report_ack(self, n=1, p=None, seed=None):
        """Lose the ack of the next n CON notifications (or each with probability p)."""
        with self._lock:
            if p is not None:
                self.report_ack_loss_rule = _Rule("ack", None, once=False, p=p,
                                                  seed=self._seed if seed is None else seed)
            else:
                self.report_ack_losses += n

    def take_ack_loss(self):
        with self._lock:
            if self.report_ack_losses > 0:
                self.report_ack_losses -= 1
                return True
            r = self.report_ack_loss_rule
            return bool(r and r.draw())

    def write_rsp_error(self, on=True):
        """Answer bare ERROR to AT+QLWWRRSP (AT+QLWRRSP keeps working)."""
        self.wrrsp_error = on

    def clear(self):
        with self._lock:
            self.byte_rules.clear()
            self.cmd_rules.clear()
            self.line_rules.clear()
            self.cmd_byte_rules.clear()
            self.split = None
            self.reg_failures = 0
            self.reg_passes = 0
            self.update_failures = 0
            self.report_ack_losses = 0
            self.report_ack_loss_rule = None
            self.wrrsp_error = False

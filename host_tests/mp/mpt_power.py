# lib/lwm2m/power.py: QSCLK guard (nesting, two tasks, failures), wake (first AT lost,
# ERROR, reboot banner, re-pulse, deadline), the 4.2.1 formula, sleep planning, duty step.
# `F` is a scripted fake modem with the BC66 calls power.py uses (sync, sclk, and cmd for
# the callables), answering as bc66.modem does; it is also the board's Pins. (The driver on
# fakemodem.FakeModem needs ~14 KB more heap than is left here.) Terse on purpose: this
# module is compiled inside the 48 KB heap, and the compiler's table of this module's
# names must stay under 113 entries (the next size is a 2.6 KB block).
import asyncio
import time
import bc66
from lwm2m import power as P

S0, S1 = "AT+QSCLK=0", "AT+QSCLK=1"
REP = "AT+QLWNOTIFY=3303,0,5700,3,2,21,0,1"
RAI = "AT+QLWNOTIFY=19,0,0,3,1,1,0,0,1"


class F:
    # script "cmd>answer|cmd>pause ms>answer|cmd|...": answer OK, else ERROR (CommandError);
    # none: the command is lost (sync() False, else ATTimeout). A pulse with `banner`
    # reboots the module: the next command fails with Rebooted, as the engine fails the
    # command pending when the boot banner arrives.
    boot = pulses = 0
    vdd = None  # VDD_EXT as the board's Pins.powered() reads it

    def __init__(self, a, b=0):
        self.s = a.split("|")
        self.w = []
        self.banner = b

    async def cmd(self, c):
        self.w.append(c)
        e = self.s.pop(0).split(">")
        assert e[0] == c, (c, e)
        await asyncio.sleep_ms(int(e[1]) if len(e) > 2 else 2 if len(e) > 1 else 50)
        if self.boot:
            self.boot = 0
            raise bc66.Rebooted(c)
        if e[-1] != "OK":
            raise bc66.ATTimeout(c) if len(e) < 2 else bc66.CommandError()

    async def sync(self, a, probe_ms=None):
        self.probe_ms = probe_ms
        try:
            await self.cmd("AT")
            return True
        except bc66.ATTimeout:
            return False

    def sclk(self, a):
        return self.cmd("AT+QSCLK=%d" % a)

    def powered(self):
        return self.vdd

    async def pulse(self, a, b):
        self.pulses += a == "PSM_EINT"
        self.boot = self.banner
        self.vdd = 0  # (0: the line is low now; powered() is False only for False)
        await asyncio.sleep_ms(b)
        self.vdd = None


def mk(a, b=0, *c):
    m = F(a, b)
    return m, P.Awake(m, m, *c)


async def test_guard_nests():
    m, w = mk("AT>20>OK|AT+QSCLK=0>20>OK|AT+CSQ>OK|AT+CSQ>OK|AT+CSQ>OK|AT+QSCLK=1>OK"
              "|AT+QSCLK=0>OK|AT+QSCLK=1>OK")
    r = []

    async def user(a, b):
        async with w:
            r.append(a)
            await m.cmd("AT+CSQ")
            await asyncio.sleep_ms(b)
            async with w:           # nested in the same task
                assert w.n > 1
                if a == 1:
                    await m.cmd("AT+CSQ")
        r.append(-a)

    await asyncio.gather(user(1, 30), user(2, 5))   # two tasks: one QSCLK=0/1 pair
    assert w.n == 0 and r == [1, 2, -2, -1] and m.pulses == 1, r
    assert m.w == ["AT", S0, "AT+CSQ", "AT+CSQ", "AT+CSQ", S1], m.w
    async with w:                   # within hold_ms of QSCLK=1: no wake
        pass
    assert m.w[6:] == [S0, S1] and not m.s and w.wakes == 1 and not w.may_sleep()
    w.asleep()
    assert w.may_sleep()
    w = P.Awake(None, None, 0)      # disabled: a no-op, it has no modem to talk to
    async with w:
        async with w:
            pass
    assert w.n == 0


async def test_guard_errors():
    m, w = mk("AT>OK|AT+QSCLK=0>ERROR|AT>10>OK|AT+QSCLK=0>10>ERROR|AT>OK|AT+QSCLK=0>OK"
              "|AT+QSCLK=1>OK|AT+QSCLK=0>OK|AT+QSCLK=1>OK|AT+QSCLK=0>OK|AT+QSCLK=1>ERROR"
              "|AT>OK|AT+QSCLK=0>OK|AT+QSCLK=1>ERROR", 0, 1, 8000, 60000)
    r = []

    async def user(a=0):
        try:
            async with w:
                r.append(w.n)
                if a:
                    raise KeyError
        except bc66.CommandError:
            r.append(-1)
        except KeyError:
            r.append(9)
        assert w.n == 0

    await user()                    # QSCLK=0 refused: raised, the count stays 0
    assert r == [-1] and w.errors == 1
    await asyncio.gather(user(), user())  # the waiter goes on when the first one fails
    assert r == [-1, -1, 1] and w.errors == 2, r
    # QSCLK=1 is sent when the body fails; its own error is raised only after a clean body
    for a in (1, 0, 1):
        await user(a)
    assert r[3:] == [1, 9, 1, -1, 1, 9] and w.errors == 4 and m.pulses == 4 and not m.s, r


async def test_wake():
    m = F("AT|AT>ERROR|AT|AT>OK")
    assert await P.wake(m, m, 3000, 5) == 4 and m.pulses == 2 and not m.s  # re-pulsed
    assert m.probe_ms == 100  # the modem's wake-time sync: short ATs, no late-line wait
    m = F("AT|AT>OK", 1)            # the wake reboots the module: its banner fails an AT
    assert await P.wake(m, m, 3000, 5) == 2
    m = F("AT|" * 9 + "AT")
    t = time.ticks_ms()
    try:
        await P.wake(m, m, 250, 1)
    except P.WakeTimeout as e:
        assert isinstance(e, bc66.ATTimeout)
        t = time.ticks_diff(time.ticks_ms(), t)
    n = len(m.w)
    assert 250 <= t < 400 and 3 < n < 7 and m.pulses == (n + 2) // 3, (t, n)
    assert set(m.w) == {"AT"}


async def test_wake_sleeps_through_the_hold():
    # the board's light sleep (``idle``) runs while PSM_EINT is low, once per pulse, and
    # the line is back up before the first AT
    m = F("AT|AT>OK")
    r = []
    await P.wake(m, m, 3000, 30, idle=lambda a: r.append((a, m.vdd)) or time.sleep_ms(a))
    assert r == [(30, 0)] and m.vdd is None and m.pulses == 1 and not m.s, r


async def test_off_module():
    # VDD_EXT low: no PSM_EINT pulses into an off module; the guard's revive (Node.revive:
    # PWRKEY) runs once, then AT+QSCLK=0 as usual
    m = F("AT+QSCLK=0>OK|AT+QSCLK=1>OK")
    m.vdd = False
    try:
        await P.wake(m, m, 3000)
        raise AssertionError("woke an off module")
    except P.WakeTimeout as e:
        assert "VDD_EXT" in str(e) and not m.w
    r = []

    async def rev():
        r.append(1)
        m.vdd = True
    async with P.Awake(m, m, revive=rev):
        pass
    assert r == [1] and m.w == [S0, S1] and not m.pulses, (r, m.w)


def test_interval_and_plan():
    # lifetime -> the note's actual update interval, an int when exact
    for c in ("20 10,25 12.5,30 15,40 22.5,50 30,51 30.8,75 50,100 70,101 70.9,200 160,300 250,"
              "301 250.95,320 269,900 820,86400 82045,31536000 29959165").split(","):
        a, b = [eval(x) for x in c.split()]
        a = P.update_interval_s(a)
        assert a == b and type(a) is type(b), c
    for c in (0, 31536001, 30.0, True):
        try:
            P.update_interval_s(c)
            c = 0 / 0
        except ValueError:
            pass
    # plan_sleep_s(lifetime, since_update_s, want_s[, margin_s[, recovery_mode]]) -> s
    for c in ("900 0 3600 820,900 800 3600 20,900 820 3600 0,900 5000 3600 0,900 0 60 60,"
              "900 100 3600 300 500,40 0 600 22.5,900 0 -5 0,900 5000 86400 0 0 86400").split(","):
        a = [eval(x) for x in c.split()]
        assert P.plan_sleep_s(*a[:-1]) == a[-1], c
    for c in (20, 45, 99, 300, 900, 86400):
        u = P.update_interval_s(c)
        for a in (0, 1, c // 3, c - 1, c, 2 * c):
            for b in (0, 1, 60, 3600, 10 ** 6):
                s = P.plan_sleep_s(c, a, b)  # never past the module's own update
                assert 0 <= s <= b and (s in (b, 0) or a + s == u), (c, a, s)
                assert s == 0 or a + s <= u


async def duty(a, st, c, ack=True, rep=None):
    m, w = mk(a, 1, 1, 1000)
    r = []

    async def wait(a):              # the report's note: its report_ack comes, or not
        await asyncio.sleep_ms(20 if ack else a)
        return ack

    async def report():
        await m.cmd(REP)
        return m

    m.wait = wait
    a = await P.duty_step(w, rep or report, lambda: m.cmd(RAI),
                          lambda a: r.append((a, w.n, st.writes)), st, 100, c)
    assert not m.s, m.s
    return a + tuple(r) + tuple(m.w)


async def test_duty():
    from lwm2m.store import State
    a = "AT|AT>OK|AT+QSCLK=0>OK|%s>OK|%s>OK|AT+QSCLK=1>OK" % (REP, RAI)
    b = ("AT", "AT", S0, REP, RAI, S1)
    st = State("/tmp/mpt_power.json")
    st.set("duty", None)
    assert await duty(a, st, 60) == (True, 60000, (60000, 0, 1)) + b   # saved, then slept
    assert st.get("duty") == {"n": 1, "miss": 0, "err": None, "ms": 60000}
    assert await duty(a, st, lambda a: 99 if a else 0.5, False) == (
        False, 500, (500, 0, 2)) + b  # the ack's deadline passed: the RAI packet all the same

    async def rep():
        raise bc66.CommandError(4, REP)
    assert await duty("AT|AT>OK|AT+QSCLK=0>OK|AT+QSCLK=1>OK", st, 30, 1, rep) == (
        False, 30000, (30000, 0, 3), "AT", "AT", S0, S1)    # an error still ends in sleep
    a = State("/tmp/mpt_power.json").get("duty")     # as the next boot finds it
    assert "Not register" in a["err"] and a["miss"] == 2 and a["n"] == 3


def test_deepsleep():
    try:
        from boards.base import Board     # a board without deep sleep (unix, QEMU)
        P.deepsleep_fn(Board())(1234)    # prints "SLEEP 1234", then exits
        e = 0
    except SystemExit as x:
        e = x.args[0]
    assert e == 75

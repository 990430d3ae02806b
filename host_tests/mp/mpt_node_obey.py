# lib/lwm2m/node.py, issue 17 items 3-4, on a stub modem (the BC66 methods the node calls,
# recorded) and fake pins: what the module reports is obeyed (lifetime, binding, lwstatus),
# AT+QLWCFG settings get the reboot that applies them and are read back (bounded), a
# silent module is revived by VDD_EXT: PWRKEY when off, RESET when on.
import asyncio
import fakemodem
fakemodem.prefer_mpy()
from bc66.urc import parse  # noqa: E402
from lwm2m.config import from_dict  # noqa: E402
from lwm2m import node as N  # noqa: E402

CFG0 = {"auto_reg": (0,), "per_regstatus_feat": (0,), "rai_enable": (0,), "retransmit": (2, 4),
        "auto_ack": (0,), "access_mode": (0,), "recovery_mode": (0,), "retransmit_mode": (0,)}


class Modem:
    # the driver's calls the node makes; ``w`` records them; ``keep`` False: the module
    # forgets AT+QLWCFG settings over a reboot; ``answers`` False: silent (sync fails)
    def __init__(self):
        self.w = []
        self.cfg = dict(CFG0)
        self.keep = True
        self.answers = True
        self.st = 0
        self.n_boots = 0
        self.on_urc = None

    def add_urc_listener(self, fn):
        self.on_urc = fn

    def on_requests(self, fn):
        self.on_request = fn

    async def sync(self, tries=5):
        self.w.append("AT")
        return self.answers

    async def cereg(self):
        return 1

    async def imei(self):
        return "867997030052996"

    async def sclk(self, m):
        self.w.append("QSCLK=%d" % m)

    async def status(self):
        return self.st

    async def config_get(self):
        return []

    async def config_set(self, *a):
        self.w.append("QLWCONFIG=")

    async def cfg_all(self):
        self.w.append("QLWCFG?")
        return dict(self.cfg)

    async def cfg_set(self, key, *v):
        self.w.append("QLWCFG=%s" % key)
        self.cfg[key] = v

    def boots(self):
        return self.n_boots

    async def reboot(self):
        self.w.append("QRST=1")
        self.n_boots += 1
        if not self.keep:
            self.cfg = dict(CFG0)
        self.on_urc(parse("REBOOT"))

    async def wait_boot(self, since, ms):
        return self.n_boots > since

    async def register(self, timeout_ms=0):
        self.w.append("QLWREG")
        self.st = 2

    async def update(self, mode, value, timeout_ms=0):
        self.w.append("QLWUPDATE=%d,%d" % (mode, value))
        return 1


class Model:
    def __init__(self):
        from lwm2m.requests import Requests
        self.requests = Requests()

    def request(self, urc):
        self.requests.receive(urc)

    async def sync_objects(self, modem):
        modem.w.append("objects")


class Pins:
    def __init__(self, vdd):
        self.vdd = vdd
        self.p = []

    async def pulse(self, name, ms):
        self.p.append(name)

    def powered(self):
        return self.vdd


def mk(pins=None, **cfg):
    d = {"server": {"host": "h"}}
    d.update(cfg)
    m = Modem()
    n = N.Node(m, from_dict(d), Model(), pins=pins)
    n.imei = "867997030052996"
    return m, n


def mk_updating(then):
    # a set-up node with binding "U" whose AT+QLWUPDATE is recorded, then ``then(m)`` runs
    # and gives its result (the update's msgid) or raises
    m, n = mk(binding="U")
    n._need_setup = False

    async def update(mode, value, timeout_ms=0):
        m.w.append("QLWUPDATE=%d,%d" % (mode, value))
        return then(m)
    m.update = update
    return m, n


def test_lifetime_and_binding_reported_by_the_module():
    async def main():
        m, n = mk(lifetime=3000, binding="U")
        assert n.lifetime == 3000 and n.binding is None
        n._need_setup = False
        assert await n.ensure_registered()
        # a registration in an unknown binding: the configured one is applied
        assert m.w[-2:] == ["QLWREG", "QLWUPDATE=1,0"] and n.binding == "U", m.w
        m.on_urc(parse('+QLWURC: "lifetime_changed",30'))  # a bootstrap server's
        m.on_urc(parse('+QLWURC: "binding_changed","UQ"'))
        assert n.lifetime == 30 and n.binding == "UQ"
        m.st = 0
        m.w.clear()
        assert await n.ensure_registered()  # a new registration: the configured lifetime
        assert n.lifetime == 3000 and m.w[-1] == "QLWUPDATE=1,0", m.w
        m.st = 0
        m.w.clear()

        async def reg(timeout_ms=0):  # the module reports the configured binding itself
            m.on_urc(parse('+QLWURC: "binding_changed","U"'))
            m.st = 2
        m.register = reg
        assert await n.ensure_registered()
        assert not [x for x in m.w if x.startswith("QLWUPDATE")], m.w
    asyncio.run(main())


def test_registration_lost_during_the_binding_update_is_not_registered():
    # ensure_registered ended with an unconditional "registered": a registration the module
    # reported lost while the binding was applied ("ping",4: an update failed, it registers
    # again) was taken for registered. Now: not registered (the supervisor registers
    # again), unless the module said it is back (+QLWREG: 0) meanwhile (issue 21)
    def lost(m):
        m.on_urc(parse('+QLWURC: "ping",4'))
        m.st = 1
        return 1

    async def main():
        m, n = mk_updating(lost)
        assert not await n.ensure_registered()
        assert not n.registered.is_set() and not n.can_send()

        async def back(mode, value, timeout_ms=0):
            m.on_urc(parse('+QLWURC: "ping",4'))
            m.on_urc(parse("+QLWREG: 0"))
            return 1
        m.st = 0
        m.update = back
        assert await n.ensure_registered() and n.registered.is_set()
        m.st = 0
        del m.update  # (the stub's own again) nothing lost: registered as before
        assert await n.ensure_registered() and n.registered.is_set()
    asyncio.run(main())


def test_binding_update_cut_short_is_applied_at_the_next_check():
    # AT+QLWUPDATE aborted (+QLWREG: 0: the module registered again by itself) or timed out:
    # the next ensure_registered finds the module registered and applies the binding then
    from bc66.errors import Aborted

    def cut(m):
        raise Aborted("AT+QLWUPDATE: +QLWREG: 0")

    async def main():
        m, n = mk_updating(cut)
        try:
            await n.ensure_registered()
            raise AssertionError("no Aborted")
        except Aborted:
            pass
        del m.update
        m.w.clear()
        assert await n.ensure_registered() and n.registered.is_set()
        assert m.w == ["QLWUPDATE=1,0"] and n.binding == "U", m.w
        m.w.clear()
        assert await n.ensure_registered()  # applied: no update on later checks
        assert m.w == [], m.w
    asyncio.run(main())


def test_uplinks_wait_while_the_network_is_lost():
    async def main():
        m, n = mk()
        assert not n.can_send()  # not registered
        assert not await n.wait_can_send(20)
        n._need_setup = False
        await n.ensure_registered()
        assert n.can_send()
        m.on_urc(parse('+QLWURC: "lwstatus",0'))
        assert not n.can_send() and not await n.wait_can_send(30)

        async def back():
            await asyncio.sleep_ms(40)
            m.on_urc(parse('+QLWURC: "lwstatus",1'))
        asyncio.create_task(back())
        assert await n.wait_can_send(2000) and n.online
        m.on_urc(parse('+QLWURC: "lwstatus",0'))
        m.on_urc(parse('+QLWURC: "ping",0'))  # an update went through: it is back
        assert n.can_send()
    asyncio.run(main())


def test_qlwcfg_settings_get_a_reboot_and_are_read_back():
    async def main():
        m, n = mk(qlwcfg={"access_mode": 1})
        await n.setup()
        w = m.w
        i = w.index("QLWCFG=access_mode")
        assert w[i + 1] == "QRST=1" and w[i + 2:].count("QLWCFG?") == 1, w
        assert w.index("objects") > w.index("QRST=1") and not n._need_setup
        assert m.cfg["access_mode"] == (1,) and n.counters["reboots"] == 1
        m.w.clear()
        await n.setup()  # kept: nothing written, no reboot
        assert "QRST=1" not in m.w and not [x for x in m.w if x.startswith("QLWCFG=")]
        # a module that forgets them: one reboot, then a typed error (not a reboot loop)
        m2, n2 = mk(qlwcfg={"auto_ack": 1})
        m2.keep = False
        try:
            await n2.setup()
            raise AssertionError("no SettingsNotKept")
        except N.SettingsNotKept as e:
            assert "auto_ack" in str(e)
        assert m2.w.count("QRST=1") == 1, m2.w
    asyncio.run(main())


def test_silent_module_revived_by_vdd_ext():
    async def main():
        from bc66.onoff import PowerOnFailed
        # VDD_EXT low: PWRKEY pulses (bounded), no RESET; the module never comes on
        m, n = mk(pins=Pins(False))
        m.answers = False
        try:
            await n.revive()
            raise AssertionError("no PowerOnFailed")
        except PowerOnFailed:
            pass
        assert n.pins.p == ["PWRKEY"] * N.POWER_TRIES and n.counters["power_ons"] == 1
        # VDD_EXT high and silent: RESET only (a PWRKEY would not help a module that is on)
        m, n = mk(pins=Pins(True))
        m.answers = False
        try:
            await n.revive()
            raise AssertionError("no ATTimeout")
        except N.ATTimeout:
            pass
        assert n.pins.p == ["RESET"]
    asyncio.run(main())


def test_notifier_sends_nothing_while_may_send_says_no():
    # objects.Model.run(modem, may_send): Node passes wait_can_send (lwstatus)
    from lwm2m.objects import Model

    async def main():
        m = Model()
        steps = []
        ok = [False]

        async def step():
            steps.append(1)
            return 10

        async def may(ms):
            await asyncio.sleep_ms(5)
            return ok[0]
        m.step = step
        t = asyncio.create_task(m.run(None, may))
        await asyncio.sleep_ms(60)
        assert not steps
        ok[0] = True
        await asyncio.sleep_ms(60)
        assert steps
        t.cancel()
    asyncio.run(main())


def test_registration_failed_during_the_update_backs_off_once():
    # +QLWREG: 1 while the binding update's result is awaited: the module gave up its
    # registration and the update's wait ends (Aborted). One failure: one back-off, one
    # reg_failures (before: the Aborted and then the +QLWREG: 1 each backed off)
    from bc66.errors import Aborted

    def fail(m):
        m.on_urc(parse("+QLWREG: 1"))  # the driver hears it and aborts the wait
        m.st = 0
        del m.update  # the next registration's update goes through
        raise Aborted("AT+QLWUPDATE: +QLWREG: 1")

    async def main():
        m, n = mk_updating(fail)
        causes = []

        class Backoff:
            def next_delay_s(self, err=None):
                causes.append(err)
                return 0.02

            def reset(self):
                pass
        n.backoff = Backoff()
        n._running = True
        t = asyncio.create_task(n._supervise())
        for _ in range(200):
            if n.registered.is_set():
                break
            await asyncio.sleep_ms(5)
        n._running = False
        n._wake.set()
        await t
        assert n.registered.is_set() and m.w.count("QLWREG") == 2, m.w
        assert len(causes) == 1 and "+QLWREG: 1" in causes[0], causes
        assert n.counters["reg_failures"] == 1, n.counters
    asyncio.run(main())


def test_registration_failed_while_waited_for_backs_off_at_once():
    # the module registering by itself (status 1) gives up, +QLWREG: 1: the back-off starts
    # then (before: after the idle wait of a heartbeat, 30 s)
    async def main():
        m, n = mk()
        n._need_setup = False
        m.st = 1
        asked = []

        async def status():
            asked.append(m.st)
            return m.st
        m.status = status
        causes = []

        class Backoff:
            def next_delay_s(self, err=None):
                causes.append(err)
                m.st = 2  # registered after the back-off: the test ends there
                return 0.01

            def reset(self):
                pass
        n.backoff = Backoff()
        n._running = True
        t = asyncio.create_task(n._supervise())
        while not asked:  # the node waits for the module's registration
            await asyncio.sleep_ms(5)
        m.on_urc(parse("+QLWREG: 1"))
        for _ in range(400):  # 2 s at most (a heartbeat is 30)
            if causes:
                break
            await asyncio.sleep_ms(5)
        t.cancel()
        try:
            await t
        except asyncio.CancelledError:
            pass
        assert len(causes) == 1 and "+QLWREG: 1" in str(causes[0]), causes
        assert n.counters["reg_failures"] == 1, n.counters
    asyncio.run(main())

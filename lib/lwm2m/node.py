"""The LwM2M node: bring-up, configuration, registration lifecycle and request serving.

``Node`` owns one ``bc66.modem.BC66`` and one ``lwm2m.objects.Model``. The modem's reader
task hands server requests to the model's request machine (``Model.request``, lwm2m.requests)
and every other URC to ``_on_urc`` (synchronously, never blocking); lifecycle news (registration,
pings, lost network, disable, factory reset, reboots) wakes the supervisor task, which is
the one place that decides to register, recover or back off.
"""
import asyncio
import gc
import time

from bc66 import log, onoff
from lwm2m.config import imei_ok
from bc66.errors import (ERR_ALREADY_REGISTERED, Aborted, ATTimeout, BC66Error, CommandError,
                         Rebooted, StatusError)
from bc66.modem import (STATUS_DEREGISTERING as DEREGISTERING,
                        STATUS_NEED_RECOVER as NEED_RECOVER,
                        STATUS_NOT_REGISTERED as NOT_REGISTERED, STATUS_RECOVERING as RECOVERING,
                        STATUS_REGISTERED as REGISTERED, STATUS_REGISTERING as REGISTERING)

_TAG = "node"


_READS = 3  # reads of one fact from the module before its answers count as unreadable


class NetworkTimeout(BC66Error):
    """The module did not attach to the cellular network in time."""


class SettingsNotKept(BC66Error):
    """AT+QLWCFG settings the module did not keep through the reboot that applies them."""


class TaskDied(Exception):
    """A node task kept dying (``Node.spawn``): the node stops instead of running half alive."""

    def __init__(self, name, err):
        super().__init__("task %s died %d times, last: %r" % (name, RESTARTS + 1, err))
        self.name = name


RESTARTS = 3  # a task whose (decaying) death count goes over this stops the node
POWER_TRIES = 3  # PWRKEY pulses before a module that stays off is PowerOnFailed


class Node:
    """Drive the module from power-on to a served registration, and keep it there."""

    def __init__(self, modem, cfg, model, backoff=None, pins=None):
        self.modem = modem
        self.cfg = cfg
        self.model = model
        self.backoff = backoff
        self.pins = pins
        self.imei = None
        self.endpoint = None
        # what the module reports: the registration lifetime (lifetime_changed, e.g. from a
        # bootstrap server; the duty plan follows it), the binding (None: not known since
        # the last registration), the network (lwstatus: uplinks wait while it is lost)
        self.lifetime = cfg.lifetime
        self.binding = None
        self.online = True
        self._online = asyncio.Event()
        self._online.set()
        self._cfg_rebooted = False  # rebooted to apply AT+QLWCFG settings, not re-checked yet
        self.registered = asyncio.Event()
        self._wake = asyncio.Event()
        self._need_setup = True
        self._need_register = True
        self._disabled_until = None
        self._running = False
        self._stopped = False  # stop() was called: nothing more goes up (can_send False)
        self._buffered = False
        self._reg_failed = False
        self._mod_reg = False
        self._losses = 0  # registrations reported lost (_set_registered(False))
        self._binding_due = False  # our registration's binding not applied yet (cut short)
        self._tasks = []
        self._started = False
        self._fatal = None  # TaskDied once a task has used up its restarts
        # one set of counters: the request queue's (requests answered, dropped_requests,
        # duplicates, malformed) and the node's own
        self.counters = model.requests.stats
        self.counters.update({"registrations": 0, "reg_failures": 0, "reboots": 0, "pings": 0,
                              "ping_failures": 0, "resets": 0, "timeouts": 0,
                              "task_restarts": 0, "power_ons": 0})
        self.heartbeat_s = 30  # how often an idle node checks the module (AT+QLWSTATUS?)
        # a dead task is restarted after task_backoff_ms, doubled per death in its count
        # (at most task_backoff_max_ms); each task_decay_s it then runs without dying
        # takes one death off its count, so only deaths close together stop the node
        self.task_backoff_ms = 1000
        self.task_backoff_max_ms = 60000
        self.task_decay_s = 600
        self.cfun_ask_s = 20  # AT+CFUN's OK waited for this long before asking (_cfun)
        self.keep_awake = True  # False when a power.Awake guard owns AT+QSCLK (duty cycle)
        modem.add_urc_listener(self._on_urc)
        modem.on_requests(model.request)  # server requests: the request machine

    # ---- URC intake (runs inside the reader task: must not block) ----
    def _on_urc(self, urc):
        k = urc.kind
        if k == "report_ack" or k == "report":
            self.model.on_urc(urc)
            return
        if k == "reg":
            if urc.value == 0:
                self._set_registered(True)
            else:  # the module gave up registering (note 3.3): back off, then try again
                self.counters["reg_failures"] += 1
                self._reg_failed = True
                self._set_registered(False)
        elif k == "ping":
            self.counters["pings"] += 1
            if urc.value == 0:  # an update went through: the network is there
                self._set_online(True)
            else:
                self.counters["ping_failures"] += 1
                log.log(log.WARN, _TAG, "update failed (status %d): module re-registers", urc.value)
                self._set_registered(False)
        elif k == "recovered":
            self._set_registered(urc.value == 0)
        elif k == "lwstatus":
            self._set_online(urc.value == 1)
            log.log(log.INFO, _TAG, "network %s", "resumed" if self.online else "lost")
        elif k == "lifetime_changed":
            self.lifetime = urc.value
            log.log(log.INFO, _TAG, "lifetime %d s (the module's)", urc.value)
        elif k == "binding_changed":
            self.binding = urc.value
        elif k == "disable":
            secs = urc.value if urc.value else 86400
            self._disabled_until = time.time() + secs
            log.log(log.INFO, _TAG, "server disabled us for %d s", secs)
            self._set_registered(False)
        elif k == "factory_reset":
            log.log(log.WARN, _TAG, "factory reset requested by the server")
            self._set_registered(False)
            self._need_setup = True
        elif k == "bootstrap_request_trigger":
            log.log(log.INFO, _TAG, "bootstrap requested by the server")
            self._set_registered(False)
        elif k == "buffer":
            self._buffered = True
        elif k == "reboot":
            self.counters["reboots"] += 1
            log.log(log.WARN, _TAG, "module rebooted")
            self._set_registered(False)
            self._need_setup = True
        elif k == "bs_finished":
            log.log(log.INFO, _TAG, "bootstrap finished")
        self._wake.set()

    def _set_registered(self, yes):
        self._mod_reg = yes  # what the module last said, whether or not we are set up
        if yes and self._need_setup:
            # registered (e.g. the module's auto-registration) but our objects are not
            # set up yet: ``registered`` is set once setup() and ensure_registered() ran
            self._wake.set()
            return
        if yes:
            self._set_online(True)  # registered, updated or recovered: the network is there
            if not self.registered.is_set():
                log.log(log.INFO, _TAG, "registered")
            self.registered.set()
            self._need_register = False
            if self.backoff:
                self.backoff.reset()
        else:
            self._losses += 1
            self.registered.clear()
            self._need_register = True
        self._wake.set()

    def _set_online(self, yes):
        self.online = yes
        if yes:
            self._online.set()
        else:
            self._online.clear()

    @property
    def buffered(self):
        """True once the module said it holds server requests (``+QLWURC: "buffer"``,
        buffer access mode) until ``drain_buffer`` fetches them."""
        return self._buffered

    def can_send(self):
        """True when an uplink may go now: registered, and the network not reported lost
        (``+QLWURC: "lwstatus",0`` until ``"lwstatus",1`` or a successful update)."""
        return self.registered.is_set() and self.online and not self._stopped

    async def wait_can_send(self, timeout_ms):
        """Wait until ``can_send()`` -> True, or False after ``timeout_ms``."""
        t_end = time.ticks_add(time.ticks_ms(), timeout_ms)
        while not self.can_send():
            left = time.ticks_diff(t_end, time.ticks_ms())
            if left <= 0:
                return False
            ev = self._online if self.registered.is_set() else self.registered
            try:
                await asyncio.wait_for_ms(ev.wait(), left)
            except asyncio.TimeoutError:
                return False
        return True

    # ---- bring-up and configuration ----
    async def bring_up(self):
        """Sync with the module, wait for the network, read the IMEI and endpoint name."""
        m = self.modem
        if not await m.sync():
            await self.revive()
        t_end = time.ticks_add(time.ticks_ms(), int(self.cfg.network_timeout_s * 1000))
        while True:
            stat = await m.cereg()
            if stat in (1, 5):
                break
            if time.ticks_diff(t_end, time.ticks_ms()) <= 0:
                raise NetworkTimeout("no network registration (CEREG stat %d)" % stat)
            await asyncio.sleep_ms(200)
        if self.imei is None:
            self.imei = await self._read_imei()
        self.endpoint = self.cfg.endpoint or "urn:imei:" + self.imei
        log.log(log.INFO, _TAG, "network up, endpoint %s", self.endpoint)

    async def start_module(self, tries=5):
        """Start the driver with a module that is on and answering: VDD_EXT read first
        (an off module gets no ATs), ``revive()`` if it is off or silent. Raises
        PowerOnFailed if it never powers on."""
        m = self.modem
        if onoff.powered(self.pins) is not False:
            try:
                return await m.start(tries)  # the usual case: no extra command
            except ATTimeout:
                pass
        m.listen()
        await self.revive()
        await m.start(2)

    async def revive(self):
        """The module is silent. VDD_EXT low: power it on (PWRKEY, its boot awaited,
        POWER_TRIES pulses at most: else PowerOnFailed). High: pulse RESET. Not sensed:
        RESET, then PWRKEY if it is still silent (a PWRKEY pulse does nothing to a BC66
        that is on). ATTimeout if it is on and does not answer after RESET."""
        v = onoff.powered(self.pins)
        if v is not False:
            try:
                await self.reset_module()
                return
            except ATTimeout:
                if v:
                    raise
        log.log(log.WARN, _TAG, "module off (VDD_EXT %s): pulsing PWRKEY",
                "low" if v is False else "not sensed")
        self.counters["power_ons"] += 1
        await onoff.power_on(self.modem, self.pins, POWER_TRIES)
        self._need_setup = True

    async def power_down(self):
        """AT+QPOWD=0 where the config asks for it (``module_power_off`` "stop"), after
        deregistering; VDD_EXT awaited where the board senses it."""
        if self.cfg.module_power_off == "stop":
            await onoff.power_off(self.modem, self.pins)
            log.log(log.INFO, _TAG, "module powered down (AT+QPOWD=0)")

    async def reboot_module(self):
        """AT+QRST=1, then wait for the module's boot (banner or RDY) and its ``AT``.
        ATTimeout if it does not come back."""
        m = self.modem
        since = m.boots()
        try:
            await m.reboot()
        except Rebooted:
            pass  # the boot banner came before the OK
        if not await m.wait_boot(since, onoff.BOOT_MS) or not await m.sync(10):
            raise ATTimeout("module not back after AT+QRST=1")

    async def _read_imei(self):
        # AT+CGSN=1 until an IMEI with its Luhn check digit right (at most _READS reads):
        # a garbled +CGSN line never becomes the endpoint name
        err = None
        for _ in range(_READS):
            try:
                imei = await self.modem.imei()
            except CommandError as e:  # a line that did not parse
                err = e
                continue
            if imei_ok(imei):
                return imei
            err = CommandError(-1, "+CGSN: an IMEI with a wrong check digit")
        raise err

    async def _read(self, fn):
        # a query of the module; a line that did not parse (CommandError) is asked again
        for i in range(_READS):
            try:
                return await fn()
            except CommandError:
                if i == _READS - 1:
                    raise

    def _config_ours(self, have):
        return bool(have) and tuple(have[0]) == tuple(self.cfg.qlwconfig_args(self.imei))

    async def _stored_config(self):
        """The module's server settings (AT+QLWCONFIG?) -> None if they are ours, else what
        it holds. A difference is read again, the IMEI too, and only one that two reads in
        a row agree on is returned: the node acts on it (AT+CFUN=0, rewrite, register
        again), and one garbled line must never cost a registration (issue 21)."""
        last = None
        for _ in range(_READS):
            have = await self._read(self.modem.config_get)
            if self._config_ours(have):
                return None
            if last is not None and [tuple(x) for x in have] == [tuple(x) for x in last]:
                if self.cfg.endpoint is None and await self._read_imei() != self.imei:
                    self.imei = None  # two IMEIs: read it afresh at the next setup
                    self._need_setup = True
                    raise CommandError(-1, "+CGSN: the IMEI read differs")
                return have
            last = have
        raise CommandError(-1, "+QLWCONFIG: no two answers agree")

    async def reset_module(self):
        """The module does not answer: pull its RESET line low 300 ms, let it boot, sync
        again. Raises ATTimeout if it still does not answer."""
        self.counters["resets"] += 1
        log.log(log.WARN, _TAG, "module not answering: pulsing RESET")
        if self.pins is not None:
            await self.pins.pulse("RESET", 300)
        await asyncio.sleep_ms(1000)
        if not await self.modem.sync(10):
            raise ATTimeout("module does not answer after RESET")
        self._need_setup = True

    async def configure(self):
        """Write only the settings that differ from the module's NVRAM (the note advises
        querying first; it also saves NVRAM wear). Server settings can only be written
        while not registered: a module registered with other settings (its own
        auto-registration, note 3.4 case 3) is taken off the network first."""
        m = self.modem
        st = await m.status()
        if st in (REGISTERING, RECOVERING):  # let the module finish what it started
            await self._wait_registered(self.cfg.register_timeout_s)
            st = await m.status()
        if st == NOT_REGISTERED:
            await self._write_config()
            return st
        have = await self._stored_config()
        if have is None:
            return st
        # other server settings and not "Not Registered", the only state they can be written
        # in (4.2.1 note 2): AT+CFUN=0 takes the module there from any state (registered,
        # deregistered, needing recovery, invalid), then configure, AT+CFUN=1; never an
        # AT+QLWDEREG the module may refuse (status 5, 7) again and again
        log.log(log.INFO, _TAG, "module in state %d with other settings: AT+CFUN=0, "
                "configure, AT+CFUN=1 (note 3.4 case 3)", st)
        await self._cfun(0)
        self._set_registered(False)
        await self._write_config(have)
        await self._cfun(1)
        return NOT_REGISTERED

    async def _cfun(self, fun):
        """AT+CFUN=<fun> within ``cfg.cfun_timeout_s`` (85 s: Quectel's bound). Its answer
        is waited for ``cfun_ask_s``; then AT+CFUN? asks where the module is (the module
        answers it once AT+CFUN is done): a lost or garbled OK costs ``cfun_ask_s``, not
        the whole bound, which is longer than a duty cycle's 60 s wake (issue 21). Never
        sent twice: a second AT+CFUN=0 may cut a registration the first one left alone."""
        m = self.modem
        t_end = time.ticks_add(time.ticks_ms(), int(self.cfg.cfun_timeout_s * 1000))
        ask_ms = int(min(self.cfun_ask_s, self.cfg.cfun_timeout_s) * 1000)
        try:
            return await m.cfun(fun, ask_ms, resend=False)
        except ATTimeout:
            pass
        while True:
            left = time.ticks_diff(t_end, time.ticks_ms())
            if left <= 0:
                raise ATTimeout("AT+CFUN=%d: no answer within %d s"
                                % (fun, self.cfg.cfun_timeout_s))
            try:
                now = await m.cfun_get(left)
            except (ATTimeout, CommandError):  # (a late OK of AT+CFUN ends the query)
                await asyncio.sleep_ms(min(left, 200))
                continue
            if now == fun:
                log.log(log.INFO, _TAG, "AT+CFUN=%d: its OK was lost, the module is there", fun)
                return
            raise CommandError(-1, "AT+CFUN=%d: the module reports %d" % (fun, now))

    async def _write_config(self, have=None, cur=None):
        # have: the module's other settings, if the caller confirmed them (_stored_config);
        # cur: its AT+QLWCFG? answer, if the caller read it
        m = self.modem
        want = self.cfg.qlwconfig_args(self.imei)
        if have is None:
            have = await self._stored_config()
        if have is not None:
            log.log(log.INFO, _TAG, "writing server configuration")
            try:
                await m.config_set(*want)
            except CommandError:  # only "Not Registered" takes it (4.2.1): status 2, 4 do not
                log.log(log.INFO, _TAG, "configuration refused: AT+CFUN=0, configure, "
                        "AT+CFUN=1 (note 3.4 case 3)")
                await self._cfun(0)
                await m.config_set(*want)
                await self._cfun(1)
        if cur is None:
            cur = await self._read(m.cfg_all)
        differ = [kv for kv in self.cfg.cfg_items() if tuple(cur.get(kv[0], ())) != kv[1]]
        if differ:  # read again: only a difference both reads show is written (issue 21)
            again = await self._read(m.cfg_all)
            differ = [kv for kv in differ if tuple(again.get(kv[0], ())) != kv[1]]
        if not differ:
            self._cfg_rebooted = False
            return
        if self._cfg_rebooted:  # bounded: one reboot to apply them, then a typed error
            self._cfg_rebooted = False
            raise SettingsNotKept("AT+QLWCFG %s not kept after the reboot"
                                  % ",".join(k for k, _ in differ))
        for key, vals in differ:
            await m.cfg_set(key, *vals)
        # "The commands take effect after rebooting" (note 4.2.2): reboot, wait for the
        # boot, bring the module up again and read the settings back (not written again)
        log.log(log.INFO, _TAG, "AT+QLWCFG options written: rebooting the module to apply them")
        self._cfg_rebooted = True
        await self.reboot_module()
        await self.bring_up()
        if self.keep_awake:
            await m.sclk(0)
        await self._write_config(None, await m.cfg_all())

    async def setup(self):
        """Bring-up, configuration and the custom-object list, as one step. An always-on
        node (``keep_awake``) also sets AT+QSCLK=0 after every (re)boot: the module's
        default sleep setting is not documented, and deep sleep would cut it off."""
        await self.bring_up()
        if self.keep_awake:
            await self.modem.sclk(0)
        await self.configure()
        await self.model.sync_objects(self.modem)
        self._need_setup = False

    def resume(self, imei):
        """A wake from the node's own deep sleep with the module set up before: it keeps
        its configuration and custom objects (NVRAM, restored by the recovery), so no
        bring-up or read-back; ``imei`` is the one read at that setup."""
        self.imei = imei
        self.endpoint = self.cfg.endpoint or "urn:imei:" + imei
        self._need_setup = False

    # ---- registration ----
    async def ensure_registered(self, st=None):
        """Find out where the module is and get it registered: recover, wait or register.
        ``st``: the AT+QLWSTATUS? value the caller has just read (else it is read)."""
        m = self.modem
        if st is None:
            st = await m.status()
        t_end = time.ticks_add(time.ticks_ms(), int(self.cfg.register_timeout_s * 1000))
        while st == DEREGISTERING and time.ticks_diff(t_end, time.ticks_ms()) > 0:
            await asyncio.sleep_ms(500)  # a deregistration under way refuses AT+QLWREG
            st = await m.status()
        if st == REGISTERED:
            if self._binding_due:  # the update of our last registration was cut short
                await self._apply_binding()  # (Aborted, a timeout): applied now
            self._set_registered(True)
            return True
        if st in (REGISTERING, RECOVERING):
            ok = await self._wait_registered(self.cfg.register_timeout_s)
            if ok:
                self._set_registered(True)
            return ok
        if st == NEED_RECOVER:
            try:
                await m.recover(timeout_ms=int(self.cfg.register_timeout_s * 1000))
                self._set_registered(True)
                return True
            except StatusError as e:
                log.log(log.WARN, _TAG, "recovery failed: %s", e)
            st = await m.status()
            if st == REGISTERED:
                self._set_registered(True)
                return True
        if st == NOT_REGISTERED:
            await self.configure()
        self.counters["registrations"] += 1
        # a new registration: the configured lifetime unless a (bootstrap) server says
        # otherwise (lifetime_changed); the binding is not known until the module says
        self.lifetime = self.cfg.lifetime
        self.binding = None
        losses = self._losses
        self._binding_due = True
        try:
            await m.register(timeout_ms=int(self.cfg.register_timeout_s * 1000))
        except CommandError as e:
            if e.code != ERR_ALREADY_REGISTERED:
                raise
            log.log(log.INFO, _TAG, "module already registered (auto-registration)")
        await self._apply_binding()
        if self._losses != losses and not self.registered.is_set():
            # the module reported the registration lost since it succeeded (a failed
            # update, "disable", a reboot...) and not back: not registered; the
            # supervisor registers again
            log.log(log.WARN, _TAG, "registration lost while it was set up")
            return False
        self._set_registered(True)
        return True

    async def _apply_binding(self):
        # a module may register in U or UQ (note 5.3): the configured binding is applied
        # unless the module reported it
        want = self.cfg.binding
        if want != self.binding:
            await self.set_binding(want)
            log.log(log.INFO, _TAG, "binding %s", want)
        self._binding_due = False

    async def set_lifetime(self, secs):
        """Change the registration lifetime (AT+QLWUPDATE=0,<s>) -> the update's msgid."""
        mid = await self.modem.update(0, secs, timeout_ms=int(self.cfg.register_timeout_s * 1000))
        self.lifetime = secs
        return mid

    async def set_binding(self, binding):
        """Change the binding, "U" or "UQ" (AT+QLWUPDATE=1,<0|1>) -> the update's msgid."""
        mid = await self.modem.update(1, ("U", "UQ").index(binding),
                                      timeout_ms=int(self.cfg.register_timeout_s * 1000))
        self.binding = binding
        return mid

    async def _wait_registered(self, secs):
        # the module is registering by itself: wait for +QLWREG (either way) or the deadline
        t_end = time.ticks_add(time.ticks_ms(), int(secs * 1000))
        while not self._mod_reg and not self._reg_failed:
            left = time.ticks_diff(t_end, time.ticks_ms())
            if left <= 0:
                return (await self.modem.status()) == REGISTERED
            self._wake.clear()
            try:
                await asyncio.wait_for_ms(self._wake.wait(), min(left, 1000))
                continue
            except asyncio.TimeoutError:
                pass
            st = await self.modem.status()  # no URC for a second: ask (an auto-registration
            if st not in (REGISTERING, RECOVERING):  # may announce nothing)
                return st == REGISTERED
        return self._mod_reg

    async def deregister(self, force=False):
        """Orderly shutdown: deregister if registered (``force``: ask the module first)."""
        if force and not self.registered.is_set():
            try:
                st = await self.modem.status()
                # a registration under way may end registered at the server: its outcome
                # first (AT+QLWSTATUS? each 200 ms, at most register_timeout_s)
                end = time.ticks_add(time.ticks_ms(), int(self.cfg.register_timeout_s * 1000))
                while st in (REGISTERING, RECOVERING) and time.ticks_diff(end, time.ticks_ms()) > 0:
                    await asyncio.sleep_ms(200)
                    st = await self.modem.status()
                if st == REGISTERED:
                    self.registered.set()
            except BC66Error:
                pass
        if self.registered.is_set():
            try:
                await self.modem.deregister(timeout_ms=int(self.cfg.register_timeout_s * 1000))
                log.log(log.INFO, _TAG, "deregistered")
            except BC66Error as e:
                log.log(log.WARN, _TAG, "deregister failed: %s", e)
        self.registered.clear()

    # ---- tasks ----
    async def drain_buffer(self):
        """Buffer access mode: fetch every cached request with AT+QLWRD and answer it."""
        self._buffered = False
        while True:
            remaining, urc = await self.modem.rd_next()
            if urc is not None:
                self.model.request(urc)
            if not remaining:
                return

    async def _supervise(self):
        idle = False  # the last wait ran out: time for a heartbeat
        in_row = 0  # consecutive commands that got no answer at all
        while self._running:
            try:
                if self._need_setup:
                    await self.setup()
                if self._buffered:
                    await self.drain_buffer()
                if self._need_register and self._reg_failed:
                    raise StatusError(1, "+QLWREG: 1")  # (backed off below)
                if self._need_register or self._binding_due:  # (binding: cut short)
                    if self._disabled_until is not None and time.time() < self._disabled_until:
                        pass
                    else:
                        self._disabled_until = None
                        # ensure_registered() clears _need_register itself; a reboot that
                        # came meanwhile set it again, and it must stay set
                        await self.ensure_registered()
                elif idle:
                    st = await self.modem.status()
                    if st != REGISTERED and st not in (REGISTERING, RECOVERING):
                        log.log(log.WARN, _TAG, "module reports status %d: registering again", st)
                        self._set_registered(False)
                        continue
                in_row = 0
            except onoff.PowerOnFailed:
                raise  # bounded: the module stays off; run() ends with a typed error
            except Rebooted:
                # the module rebooted under a command: not a failure to back off from; its
                # reboot line already asked for setup (one boot counts once: bc66.at)
                in_row = 0
                continue
            except (BC66Error, OSError, MemoryError) as e:
                if isinstance(e, Aborted) and self.can_send():
                    # +QLWREG: 0 cut an update short: the module registered again by
                    # itself, no failure; the update is applied at once (_binding_due)
                    continue
                gc.collect()
                if isinstance(e, ATTimeout):
                    self.counters["timeouts"] += 1
                    in_row += 1
                    if in_row >= 2:
                        in_row = 0
                        try:
                            await self.revive()
                            continue
                        except onoff.PowerOnFailed:
                            raise
                        except BC66Error as e2:
                            e = e2
                if self._need_register and self._reg_failed:
                    # the module's +QLWREG: 1 (counted when it came) raised above, or ended
                    # this step itself (it aborts an update's wait): one failure, one back-off
                    self._reg_failed = False
                else:
                    self.counters["reg_failures"] += 1
                delay = self.backoff.next_delay_s(str(e)) if self.backoff else 5
                log.log(log.WARN, _TAG, "%s: retry in %d s", e, delay)
                await self._sleep_or_wake(delay)
                continue
            if self._need_register and self._reg_failed:
                continue  # +QLWREG: 1 while the registration was waited for: back off now
            idle = not await self._sleep_or_wake(1 if self._disabled_until else self.heartbeat_s)

    async def _sleep_or_wake(self, secs):
        """Wait ``secs`` or until woken -> True if woken."""
        self._wake.clear()
        try:
            await asyncio.wait_for_ms(self._wake.wait(), int(secs * 1000))
            return True
        except asyncio.TimeoutError:
            return False

    def start_tasks(self):
        """Start answering requests and sending notifications (``run`` does it too)."""
        self._running = True
        if not self._started:
            self._started = True
            self.spawn("serve", self.model.serve, self.modem)
            self.spawn("notify", self.model.run, self.modem, self.wait_can_send)

    def spawn(self, name, fn, *args):
        """Run ``fn(*args)`` (a coroutine function) as a node task. One that dies with an
        exception is logged and started again after a back-off; its death count goes
        down by one per ``task_decay_s`` of healthy running, and once it is over RESTARTS
        the node stops loudly: ``run()`` raises TaskDied. Never a task silently gone."""
        self._running = True
        self._tasks.append(asyncio.create_task(self._keep(name, fn, args)))

    async def _keep(self, name, fn, args):
        deaths = 0
        while self._running:
            t0 = time.time()  # seconds: no tick wrap-around over a week of healthy running
            try:
                await fn(*args)
                return
            except Exception as e:  # CancelledError is not an Exception: stop() still works
                healthy = time.time() - t0  # (a clock set back: no decay)
                if healthy > 0:
                    deaths = max(0, deaths - int(healthy // self.task_decay_s))
                deaths += 1
                last = deaths > RESTARTS
                log.log(log.ERROR, _TAG, "task %s died: %r; %s", name, e,
                        "stopping the node" if last else "restarting it")
                if last:
                    self._fatal = TaskDied(name, e)
                    self._running = False  # the supervisor returns, run() raises
                    self._wake.set()
                    return
                self.counters["task_restarts"] += 1
                gc.collect()  # (a MemoryError: what the dead task held is garbage now)
                await asyncio.sleep_ms(min(self.task_backoff_max_ms,
                                           self.task_backoff_ms << (deaths - 1)))

    async def serve_pending(self, idle_ms=200):
        """Wait until no server request has been pending for ``idle_ms`` (duty cycle)."""
        quiet = 0
        while quiet < idle_ms:
            await asyncio.sleep_ms(20)
            quiet = 0 if self.model.requests.busy() else quiet + 20

    async def run(self):
        """Run until ``stop()``: serve requests, send notifications, keep registered."""
        self._stopped = False
        self.start_tasks()
        try:
            await self._supervise()
            if self._fatal is not None:
                raise self._fatal
        finally:
            for t in self._tasks:
                t.cancel()
            self._tasks = []
            self._started = False

    def stop(self):
        """Ask ``run()`` to return after its current step; from now on ``can_send()`` is
        False, so a task that outlives its cancel (cut mid-step by a Ctrl-C) sends no
        uplink after the shutdown's de-registration."""
        self._running = False
        self._stopped = True
        for t in self._tasks:
            t.cancel()
        self._tasks = []
        self._started = False
        self._wake.set()

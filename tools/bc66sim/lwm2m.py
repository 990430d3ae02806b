"""The LwM2M AT command set of the note's chapter 4 (mixed into Modem).

Registration states are the AT+QLWSTATUS? values (atparse.STATES). Module-side delays
are module-seconds (scaled by the Simulator's time_scale).
"""
import random
import time

from . import atparse as P
from .atparse import CmeError, AtError, to_int
from .builtins import BUILTIN_OBJECTS
from .datacmds import DataCommands, Notification  # noqa: F401
from .nvram import CFG_DEFAULTS, CFG_RANGES

MAX_OBJECTS, MAX_INSTANCES, MAX_RESOURCES = 15, 4, 14
CFG_ORDER = list(CFG_DEFAULTS)


class LwM2M(DataCommands):
    LW_COMMANDS = {
        "+QLWCONFIG": "c_qlwconfig", "+QLWCFG": "c_qlwcfg", "+QLWREG": "c_qlwreg",
        "+QLWUPDATE": "c_qlwupdate", "+QLWDEREG": "c_qlwdereg", "+QLWADDOBJ": "c_qlwaddobj",
        "+QLWDELOBJ": "c_qlwdelobj", "+QLWRDRSP": "c_qlwrdrsp", "+QLWWRRSP": "c_qlwwrrsp",
        "+QLWRRSP": "c_qlwrrsp", "+QLWEXERSP": "c_qlwexersp", "+QLWOBSRSP": "c_qlwobsrsp",
        "+QLWNOTIFY": "c_qlwnotify", "+QLWRD": "c_qlwrd", "+QLWSTATUS": "c_qlwstatus",
        "+QLWRECOVER": "c_qlwrecover",
    }
    # module-seconds the "network" takes
    reg_s = 0.3
    update_s = 0.1
    short_s = 0.02
    ack_s = 0.2
    bs_lifetime = 30
    bs_server = ("lwm2m.example.net", 5684)

    def lw_init(self, msgid_start):
        self.state = 0
        self.network_ok = True
        self.lifetime = None
        self.binding = "UQ"
        self.min_period, self.max_period = 1, 3600   # Server object 1/0/2, 1/0/3
        self.bs_connected = False
        self.disabled = False      # the server executed 1/0/4: registering is refused (7)
        self._update_h = None
        self._update_pending = False
        self._last_update = time.monotonic()
        self._reg_waiting = False
        self._reg_steps, self._reg_tries = None, 0
        self.prev_config = None    # the configuration before <BS_enabled> changed
        self._parts = []
        self.buffer = []
        self.eff = {k: list(v) for k, v in self.nv["cfg"].items()}
        self._msgid = (random.Random(self.sim.seed).randrange(1, 65536)
                       if msgid_start is None else msgid_start)

    def next_msgid(self):
        m = self._msgid
        self._msgid = (self._msgid + 1) & 0xFFFF or 1
        return m

    def cfg(self, key):
        return self.eff[key]

    # ---- lifecycle hooks --------------------------------------------------------------
    def lw_boot(self, cold):
        was = self.state
        self._cancel_update()
        self.eff = {k: list(v) for k, v in self.nv["cfg"].items()}   # QLWCFG takes effect
        self._parts = []
        self.buffer = []
        self._reg_waiting = False
        self._reg_steps, self._reg_tries = None, 0
        self.sim.network.forget("module rebooted")
        if cold:
            self.state = 0
            self.network_ok = True
            self.bs_connected = False
            self.disabled = False
        else:
            self.state = 7 if was in (2, 6, 7) else (0 if was in (1, 3) else was)

    def lw_woke(self):
        if self.state != 7:
            return
        if self.cfg("recovery_mode")[0] == 0:
            self.state = 6
            self.sim.later(self.update_s, self._recover_done)

    tmobile_usim = False  # note 3.4 case 1 (Simulator(tmobile=True))

    def _tmobile_first_boot(self):
        # note 3.4 case 1: a T-Mobile USIM, first boot, attached with an IP: the module
        # computes the bootstrap server settings itself and turns auto_reg on
        ep = "urn:imei:%s" % self.imei
        psk = "".join("%02X" % ((int(self.imei[-6:]) * 2654435761 >> (8 * (i % 4))) & 255)
                      for i in range(32))
        self.nv["config"] = [1, "bootp.iot.t-mobile.com", 5584, ep, 900, 0, ep, psk]
        self.nv["cfg"]["auto_reg"] = [1]
        self.eff["auto_reg"] = [1]
        self.nv.save()
        self.sim.event("T-Mobile USIM first boot: bootstrap server configured, auto_reg 1")

    def lw_attached(self):
        if self._reg_waiting:
            self._reg_waiting = False
            self._send_register()
            return
        if self.tmobile_usim and not self.nv["config"] and self.state == 0:
            self._tmobile_first_boot()
        if self.state != 0 or not self.cfg("auto_reg")[0] or not self.nv["config"]:
            return
        ctx = self.nv["context"]
        if ctx.get("registered") and self.cfg("per_regstatus_feat")[0] == 0:
            # registration persistence: an update keeps the old registration
            self.state = 2
            self.lifetime = ctx.get("lifetime") or self.nv["config"][4]
            self.sim.later(self.update_s, lambda: self._ping(automatic=False))
        else:
            self._start_register()

    def lw_detached(self):
        # AT+CFUN=0 drops the LwM2M context (3.4 case 3 configures after it)
        self.sim.network.forget("detached (AT+CFUN=0)")
        if self.state in (1, 2, 3, 4, 6, 7):
            self.state = 0
            self._cancel_update()

    def lw_busy(self):
        return self.state in (1, 3, 6) or bool(self._parts)

    # ---- registration -----------------------------------------------------------------
    def _start_register(self, resume=False):
        """The module registers by itself (auto_reg, after a failed update or recovery,
        after "disable"); resume: start at the LwM2M server the bootstrap gave (3.3)."""
        self.state = 1
        self._reg_steps = self._reg_plan(resume)
        if not self.attached:
            self._reg_waiting = True
            return
        self._send_register()

    def _reg_plan(self, resume):
        # note 3.3: each server is tried twice ("it will retry to register ... again");
        # a failed LwM2M server falls back to the bootstrap server (cases 2-4); +QLWREG: 1
        # when the bootstrap server fails (case 1) or there is none to fall back to
        if self.nv["config"] and self.nv["config"][0] == 1:
            return ["lwm2m", "bootstrap", "lwm2m"] if resume and self.bs_connected else \
                ["bootstrap", "lwm2m", "bootstrap", "lwm2m"]
        return ["lwm2m"]

    def _send_register(self):
        """Start the next attempt of the plan: the bootstrap server (modelled here, reg_s)
        or the LwM2M server (through sim.network: the in-process model or CoAP)."""
        if self._reg_steps is None:
            self._reg_steps = self._reg_plan(False)
        gen = self.boots

        def done(status):
            if gen == self.boots:
                self._register_done(status)
        if self._reg_steps[0] == "bootstrap":
            self.sim.later(self.reg_s, lambda: done(0))
        else:
            self.sim.network.register(done)

    def _register_done(self, status=0):
        """One registration attempt ended (<status_code> from the network): success,
        retry after the CoAP retransmission time, fall back, or +QLWREG: 1."""
        if self.state != 1:
            return
        if self._reg_steps is None:
            self._reg_steps = self._reg_plan(False)
        if self.sim.faults.take_reg_failure() or not self.network_ok or self.cfun != 1:
            return self._register_failed()
        server = self._reg_steps[0]
        ok = status == 0 and not self.sim.faults.take_attempt_failure(server)
        self.radio.uplink()
        if ok:
            self.radio.downlink()
        self.sim.reg_attempts.append((server, ok))
        gen = self.boots

        def next_attempt(delay):
            self.sim.later(delay, lambda: gen == self.boots and self._send_register())
        if not ok:
            self.sim.event("registration attempt to the %s server failed" % server)
            self._reg_tries += 1
            if self._reg_tries < 2:
                return next_attempt(self._retransmit_s())
            self._reg_tries = 0
            self._reg_steps.pop(0)
            if server == "bootstrap" or not self._reg_steps:
                return self._register_failed(self._retransmit_s())
            return next_attempt(self._retransmit_s())
        self._reg_tries = 0
        self._reg_steps.pop(0)
        if server == "bootstrap":
            lt = self.bs_lifetime
            self.min_period, self.max_period, self.binding = 1, 3600, "UQ"
            self.emit_lines(['+QLWURC: "lifetime_changed",%d' % lt,
                             '+QLWURC: "min_period_changed",1',
                             '+QLWURC: "max_period_changed",3600',
                             '+QLWURC: "binding_changed","UQ"', '+QLWURC: "bs_finished"'])
            self.bs_connected = True
            self.lifetime = lt
            return next_attempt(self.reg_s)
        if not self.bs_connected:
            self.lifetime = self.nv["config"][4]
        self._reg_steps = None
        self.prev_config = None
        self.state = 2
        self.emit("+QLWREG: 0")
        self._save_ctx(True)
        self._schedule_update()
        self.sim.server.on_online()

    def server_bootstrap(self, host, port, lifetime):
        """Server-initiated bootstrap (3.1.1): the bootstrap server writes the LwM2M server
        account and finishes; the module reports it as in 5.3 and registers there."""
        self.sim.network.forget("bootstrapped by the server")
        self._cancel_update()
        self.bs_server = (host, port)
        self.bs_connected = True
        self.lifetime = lifetime
        self.min_period, self.max_period, self.binding = 1, 3600, "UQ"
        self.emit_lines(['+QLWURC: "lifetime_changed",%d' % lifetime,
                         '+QLWURC: "min_period_changed",1', '+QLWURC: "max_period_changed",3600',
                         '+QLWURC: "binding_changed","UQ"', '+QLWURC: "bs_finished"'])
        self.state = 1
        self._reg_steps = ["lwm2m"]
        self._send_register()

    def _retransmit_s(self):
        t, n = self.cfg("retransmit")
        return P.retransmit_total(t, n, self.cfg("retransmit_mode")[0])

    def _register_failed(self, delay=0.0):
        def fail():
            if self.state != 1:
                return
            self.state = 0
            self._reg_steps = None
            self._reg_tries = 0
            self.sim.network.forget("registration failed")
            self.emit("+QLWREG: 1")
            self._save_ctx(False)
        if delay:
            gen = self.boots
            self.sim.later(delay, lambda: gen == self.boots and fail())
        else:
            fail()

    def set_lifetime(self, v):
        """A new registration lifetime (AT+QLWUPDATE=0 or a server write of 1/0/1): the
        update timer restarts; AT+QLWCONFIG? shows it under the config_after_update
        reading."""
        self.lifetime = v
        self._save_ctx(True)
        if self.strict("config_after_update") and self.nv["config"]:
            cfg = list(self.nv["config"])
            cfg[4] = v
            self.nv["config"] = cfg
        self._schedule_update()

    def _save_ctx(self, registered):
        self.nv["context"] = {"registered": registered, "lifetime": self.lifetime,
                              "binding": self.binding}

    def _cancel_update(self):
        if self._update_h:
            self._update_h.cancel()
            self._update_h = None

    def _schedule_update(self):
        self._cancel_update()
        self._last_update = time.monotonic()
        if self.lifetime:
            self._update_h = self.sim.later(P.update_interval(self.lifetime), self._auto_update)

    def _auto_update(self):
        self._update_h = None
        if self.asleep:
            self.wake(reason="update timer")
        if self.state == 7 or self.state == 6:
            self._update_pending = True
            return
        if self.state == 2:
            self._ping(automatic=True)

    def _ping(self, automatic=True, objects=False):
        if self.state != 2:
            return
        gen = self.boots
        self.sim.network.update(lambda status: gen == self.boots
                                and self._ping_done(status, automatic), objects=objects)

    def _ping_done(self, status, automatic=False):
        if self.state != 2:
            return
        if status == 0 and self.sim.faults.take_update_failure():
            status = 4
        if status == 0 and not self.network_ok:
            status = 1
        # 4.2.2 <rai_enable>: "automatic update registration packet with RAI flag 2"
        self.radio.uplink(2 if automatic and self.cfg("rai_enable")[0] else 0)
        if status == 0:
            self.radio.downlink()
        self.emit('+QLWURC: "ping",%d' % status)
        self.sim.update_count += 1
        if status not in (0, 1):
            # note 3.3 case 3: a failed update makes the module register again by itself;
            # if that fails too it reports +QLWREG: 1
            self._cancel_update()
            self._save_ctx(False)
            self._start_register(resume=True)
            return
        self._schedule_update()
        self.sim.server.on_online()

    def _recover_done(self):
        if self.state != 6:
            return
        elapsed = (time.monotonic() - self._last_update) / self.sim.time_scale
        if self.lifetime and elapsed > self.lifetime:
            self.state = 0
            self._save_ctx(False)
            self.emit('+QLWURC: "recovered",3')
            if self.cfg("recovery_mode")[0] == 0:
                # 3.3 case 4: "If recovery fails, the module will re-register LwM2M Server"
                self._start_register(resume=True)
            return
        self.state = 2
        self.radio.uplink()
        self.radio.downlink()
        self.emit('+QLWURC: "recovered",0')
        self.sim.server.on_online()
        if self._update_pending:
            self._update_pending = False
            self._ping()
        elif not self._update_h:
            self._update_h = self.sim.later(
                max(0.0, P.update_interval(self.lifetime) - elapsed), self._auto_update)

    def registration_lost(self):
        """Fault: the registration is lost now, as when an automatic update fails (note
        3.3 case 3: "ping",4, then the module registers again by itself); an
        AT+QLWUPDATE in flight gets no result (the module drops it with the registration)."""
        if self.state == 2:
            self._ping_done(4)

    def network_lost(self):
        self.network_ok = False
        self.emit('+QLWURC: "lwstatus",0')

    def network_resumed(self):
        self.network_ok = True
        self.emit('+QLWURC: "lwstatus",1')

    # ---- delivery of server requests --------------------------------------------------
    def deliver(self, urc_data):
        """A server request reaches the module: push it, or buffer it (access_mode 1)."""
        self.radio.downlink()
        if self.cfg("access_mode")[0] == 1:
            empty = not self.buffer
            self.buffer.append(urc_data)
            if empty:
                self.emit('+QLWURC: "buffer"')
        else:
            self.emit("+QLWURC: " + urc_data)

    # ---- commands ---------------------------------------------------------------------
    def _need_idle(self):
        if self.state in (1, 3, 6):
            raise CmeError(P.E_CONNECTING)
        if self.state in (2, 7):
            raise CmeError(P.E_ALREADY)

    def _config_allowed(self):
        # 4.2.1 note 2: "can be configured only when the LwM2M client status is
        # 'Not Registered'"; the code is a reading (config_busy_code), so is status 4
        if self.state == 2:
            raise CmeError(P.E_ALREADY)
        if self.state in (1, 3, 6, 7):
            if self.strict("config_busy_code"):
                raise CmeError(P.E_OTHER)
            raise CmeError(P.E_ALREADY if self.state == 7 else P.E_CONNECTING)
        if self.state == 4 and self.strict("config_in_4"):
            raise CmeError(P.E_OTHER)

    def c_qlwconfig(self, kind, a):
        if kind == "read":
            # 4.2.1: two lines "When the setting of <BS_enabled> has been changed (then the
            # previous configuration, until the next registration), or when bootstrap
            # connection mode is configured and the LwM2M server is also connected"
            cfg = self.nv["config"]
            if cfg:
                self._resp.append("+QLWCONFIG:" + self._fmt_config(cfg))
                if self.prev_config:
                    self._resp.append("+QLWCONFIG:" + self._fmt_config(self.prev_config))
                elif self.bs_connected:
                    srv = [0, self.bs_server[0], self.bs_server[1]] + list(cfg[3:])
                    srv[4] = self.lifetime or cfg[4]
                    self._resp.append("+QLWCONFIG:" + self._fmt_config(srv))
            return
        if kind == "test":
            self._resp.append('+QLWCONFIG: (0,1),<serverIP>,(0-65535),<endpoint_name>,'
                              '(20-31536000),(0,3),<PSK_ID>,<PSK>')
            return
        if kind != "set":
            raise AtError()
        if len(a) not in (6, 8):
            raise CmeError(P.E_NPARAM)
        self._config_allowed()
        bs = to_int(a[0], 0, 1)
        host = str(a[1])
        port = to_int(a[2], 0, 65535)
        ep = str(a[3])
        lt = to_int(a[4], 20, 31536000)
        sec = to_int(a[5])
        if not host or len(host) > 150 or len(ep) > 150 or not ep or sec not in (0, 3):
            raise CmeError(P.E_VALUE)
        pid = psk = None
        if sec == 0:
            if len(a) != 8:
                raise CmeError(P.E_NPARAM)
            pid, psk = str(a[6]), str(a[7])
            if len(psk) % 2:
                raise CmeError(P.E_ODD)
            try:
                bytes.fromhex(psk)
            except ValueError:
                raise CmeError(P.E_VALUE)
            if not pid or len(pid) > 150 or len(psk) > 256 or not psk:
                raise CmeError(P.E_VALUE)
        old = self.nv["config"]
        if old and old[0] != bs:
            self.prev_config = list(old)
        self.nv["config"] = [bs, host, port, ep, lt, sec, pid, psk]
        self.bs_connected = False

    @staticmethod
    def _fmt_config(c):
        s = '%d,"%s",%d,"%s",%d,%d' % (c[0], c[1], c[2], c[3], c[4], c[5])
        if c[5] == 0 and c[6] is not None:
            s += ',"%s","%s"' % (c[6], c[7])
        return s

    def c_qlwcfg(self, kind, a):
        cfg = self.nv["cfg"]
        if kind == "read":
            self._resp += ['+QLWCFG: "%s",%s' % (k, ",".join(map(str, cfg[k])))
                           for k in CFG_ORDER]
            return
        if kind == "test":
            self._resp += ['+QLWCFG: "%s"' % k for k in CFG_ORDER]
            return
        if kind != "set":
            raise AtError()
        key = str(a[0])
        if key not in CFG_RANGES:
            raise CmeError(P.E_VALUE)
        vals = a[1:]
        if not vals:
            self._resp.append('+QLWCFG: "%s",%s' % (key, ",".join(map(str, cfg[key]))))
            return
        ranges = CFG_RANGES[key]
        if len(vals) != len(ranges):
            raise CmeError(P.E_NPARAM)
        new = [to_int(v, lo, hi) for v, (lo, hi) in zip(vals, ranges)]
        cfg[key] = new
        self.nv.save()

    def c_qlwreg(self, kind, a):
        if kind == "test":
            return
        if kind != "exec":
            raise AtError()
        if not (self.state == 7 and not self.strict("reg_in_7")):
            self._need_idle()
        if not self.nv["config"]:
            raise CmeError(P.E_OTHER)
        if self.disabled:                 # 4.3.15: disabled "for a certain period of time"
            raise CmeError(P.E_DISABLE)
        if self.sim.faults.take_create_error():
            raise CmeError(P.E_CREATE)
        if self.cfun != 1:
            if not self.strict("reg_cfun0"):
                raise CmeError(P.E_NOTREADY)
            self.state = 1            # accepted; fails like a timeout (no radio)
            self.defer(self.reg_s, self._register_done)
            return
        self._cancel_update()
        self.state = 1
        self._reg_steps = self._reg_plan(False)
        if self.attached:
            self.defer(0, self._send_register)
        else:
            self._reg_waiting = True

    def c_qlwupdate(self, kind, a):
        if kind == "test":
            self._resp.append("+QLWUPDATE: (0,1),(20-31536000)")
            return
        if kind != "set":
            raise AtError()
        if len(a) != 2:
            raise CmeError(P.E_NPARAM)
        mode = to_int(a[0], 0, 1)
        v = to_int(a[1], 20, 31536000) if mode == 0 else to_int(a[1], 0, 1)
        if self.state != 2:
            raise CmeError(P.E_NOTREG)
        mid = self.next_msgid()
        self._resp.append("+QLWUPDATE: %d" % mid)

        def done():
            if self.state != 2:
                return
            if not self.network_ok:
                self.emit("+QLWUPDATE: 1,%d" % mid)
                return
            self.radio.uplink()
            self.radio.downlink()
            if mode == 0:
                self.sim.network.update(applied, lifetime=v)
            else:
                self.sim.network.update(applied, binding="UQ" if v else "U")

        def applied(status):
            if self.state != 2 or gen != self.boots:
                return
            if status == 0:
                self.radio.uplink()
                self.radio.downlink()
            if status == 0 and mode == 0:
                self.set_lifetime(v)
            elif status == 0:
                self.binding = "UQ" if v else "U"
            self._schedule_update()
            self.emit("+QLWUPDATE: %d,%d" % (status, mid))
            if status == 0 and self.strict("update_urcs"):
                self.emit('+QLWURC: "lifetime_changed",%d' % v if mode == 0
                          else '+QLWURC: "binding_changed","%s"' % self.binding)
        gen = self.boots
        self.defer(self.update_s, done)

    def c_qlwdereg(self, kind, a):
        if kind != "exec":
            raise AtError()
        if self.state not in (2, 7):
            raise CmeError(P.E_NOTREG)
        self.state = 3

        def done(status):
            if gen != self.boots:
                return
            self.radio.uplink()
            self.radio.downlink()
            self.state = 4
            self._cancel_update()
            self._save_ctx(False)
            self.bs_connected = False
            self.sim.network.forget("deregistered")
            self.emit("+QLWDEREG: %d" % status)
            if not self.strict("dereg_status"):
                self.sim.later(1.0, lambda: gen == self.boots and self.state == 4
                               and setattr(self, "state", 0))
        gen = self.boots
        self.defer(self.update_s, lambda: self.sim.network.deregister(done))

    def _objects_changed(self, line):
        self.defer(self.short_s, line)
        if self.state == 2:
            self.defer(self.update_s, lambda: self._ping(automatic=False, objects=True))

    def c_qlwaddobj(self, kind, a):
        objs = self.nv["objects"]
        if kind == "read":
            self._resp += ["+QLWADDOBJ: %d,%d,%d,%s" % (o, i, len(r), ",".join(map(str, r)))
                           for o, i, r in objs]
            return
        if kind != "set":
            raise AtError()
        if len(a) < 4:
            raise CmeError(P.E_NPARAM)
        obj, inst, n = self.id_arg(a[0]), self.id_arg(a[1]), to_int(a[2])
        if len(a) != 3 + n:
            raise CmeError(P.E_NPARAM)
        res = [self.id_arg(x) for x in a[3:]]
        ids = {o for o, _, _ in objs}
        insts = [i for o, i, _ in objs if o == obj]
        exists = inst in insts
        if exists and self.strict("addobj_exists"):
            raise CmeError(P.E_VALUE)
        if obj in BUILTIN_OBJECTS and self.strict("addobj_builtin"):
            raise CmeError(P.E_VALUE)
        if (not 1 <= n <= MAX_RESOURCES or len(set(res)) != n
                or (not exists and len(insts) >= MAX_INSTANCES)
                or (obj not in ids and len(ids) >= MAX_OBJECTS)):
            raise CmeError(P.E_VALUE)
        if exists:           # reading addobj_exists, lenient: the new definition replaces it
            objs[:] = [x for x in objs if (x[0], x[1]) != (obj, inst)]
        objs.append([obj, inst, res])
        self.nv.save()
        self._objects_changed("+QLWADDOBJ: 0")

    def c_qlwdelobj(self, kind, a):
        if kind != "set":
            raise AtError()
        if len(a) != 1:
            raise CmeError(P.E_NPARAM)
        obj = self.id_arg(a[0])
        objs = self.nv["objects"]
        keep = [x for x in objs if x[0] != obj]
        if len(keep) == len(objs):
            raise CmeError(P.E_VALUE)
        self.nv["objects"] = keep
        self._objects_changed("+QLWDELOBJ: 0")

    def has_object(self, obj, inst=-1):
        return any(o == obj and (inst < 0 or i == inst) for o, i, _ in self.nv["objects"])

    def has_resource(self, obj, inst, res):
        """The module holds custom object instance ``obj/inst`` with resource ``res``
        (-1: any of its resources)."""
        return any(o == obj and i == inst and (res < 0 or res in r)
                   for o, i, r in self.nv["objects"])

    def c_qlwstatus(self, kind, a):
        if kind != "read":
            raise AtError()
        self._resp.append("+QLWSTATUS: %d" % self.state)

    def c_qlwrecover(self, kind, a):
        if kind != "exec":
            raise AtError()
        if self.state in (0, 4, 5):
            if not self.strict("recover_idle"):
                raise CmeError(P.E_NOTREG)
            self.defer(self.update_s, '+QLWURC: "recovered",3')   # 3 Recovered failed
            return
        if self.state != 7:
            raise CmeError(P.E_OTHER)
        self.state = 6
        self.defer(self.update_s, self._recover_done)

"""The node application: wires the BC66 driver, the object model, the node and the sensors.

``firmware/main.py`` is the entry point; this module is compiled to .mpy with the library.
"""
import sys
import asyncio

from bc66 import log

_TAG = "app"
CLOCK_RESYNC_S = 3600  # a duty cycle's wake reads AT+CCLK? again after this long
_QUIET_MS = 40  # a duty cycle's last packet waits until no request came for this long


def _mcu_epoch():
    # the MCU clock in seconds since 1970 (bare-metal ports count from 2000)
    import time
    t = time.time()
    gm = getattr(time, "gmtime", None)
    return t + 946684800 if gm is not None and gm(0)[0] == 2000 else t


def parse_args(argv, board):
    """``--name value`` pairs -> dict, with the board's defaults."""
    a = {"port": None, "config": board.CONFIG, "pins": None, "log": "info", "state": None,
         "stop": None}
    i = 1
    while i < len(argv):
        k = argv[i]
        if not k.startswith("--") or i + 1 >= len(argv) or k[2:] not in a or (
                k == "--stop" and argv[i + 1] != "stdin"):
            raise SystemExit("usage: main.py --port DEV --config FILE [--pins FILE] "
                             "[--state DIR] [--log debug|info|warn] [--stop stdin]")
        a[k[2:]] = argv[i + 1]
        i += 2
    return a


# What main() exits with (the duty cycle's deep sleep on unix is 75, lwm2m.sleep):
EXIT_STOPPED = 0  # stopped on request (Ctrl-C; the tools pass SIGTERM on as Ctrl-C)
EXIT_FATAL = 1  # an error the node cannot run on (logged with its traceback)
EXIT_CONFIG = 2  # the config or the board description: the field named, nothing started
EXIT_TASK_DIED = 3  # a node task kept dying (lwm2m.node.TaskDied)
EXIT_NO_MODULE = 4  # the module never powered on (bc66.onoff.PowerOnFailed)
EXIT_FORCED = 130  # a second Ctrl-C cut the shutdown short (maybe not de-registered)


class App:
    """Wires the driver, the object model, the node, the sensors and the uplink queue."""

    def __init__(self, board, cfg, args, port=None):
        from bc66.modem import BC66
        from lwm2m.objects import Model
        from lwm2m import ipso
        from lwm2m.node import Node
        from lwm2m.backoff import Backoff
        from lwm2m.store import State, Queue, makedirs
        import sensors

        self.board = board
        self.cfg = cfg
        state_dir = args["state"] or cfg.state_dir
        makedirs(state_dir)
        # RTC memory where the board has it (survives deep sleep, spares flash), else a file
        self.state = State(state_dir + "/state.json", rtc=board.rtc())
        self.queue = Queue(state_dir + "/q", capacity=64)
        self.pins = board.Pins(args["pins"])
        woke = board.woke_from_sleep()
        # a duty cycle's wake from its own deep sleep: the lean path (issue 18)
        self._lean = cfg.duty_cycle_enabled and woke
        # the wake's reboot (PSM_EINT) needs no ATE0 / AT+CMEE=1: the note's 5.5 goes
        # straight to AT+QLWSTATUS? (issue 18: 8 commands a wake, probes included); a full
        # setup (start_module) still sends both
        self.modem = BC66(port if port is not None else board.open_port(args["port"]),
                          reinit_after_reboot=not self._lean)
        self.modem.cfun_ms = cfg.cfun_timeout_s * 1000  # README: why 85 s
        self.model = Model()
        # the configured sensors as IPSO instances (firmware/sensors.py, README "Sensors")
        self.sensors = sensors.open(board, cfg, self.model)
        volt = self.sensors.find(3316)
        self.volt = volt.obj if volt else None  # the duty cycle's last packet
        self.data = (ipso.bindata(self.model, on_downlink=self.on_downlink)
                     if "bindata" in cfg.objects else None)
        # network time minus the MCU clock, learnt from AT+CCLK?; kept while the MCU clock
        # runs on (unix, QEMU: the host's; a board: a wake from deep sleep, not a power-on)
        keep = not board.HAS_DEEPSLEEP or woke
        self.clock_offset = self.state.get("clock_offset") if keep else None
        self.backoff = Backoff(cfg.backoff_base_s, cfg.backoff_cap_s, cfg.backoff_factor,
                               cfg.backoff_jitter, state=self.state)
        from lwm2m.settings import Settings
        # the server's writes to 32769 (docs/lwm2m/), applied at the start of each cycle
        self.settings = Settings(self.model, cfg, self.state, backoff=self.backoff,
                                 sensors=self.sensors.names())
        self.sensors.report_only(self.settings.sensors)
        self.node = Node(self.modem, cfg, self.model, backoff=self.backoff, pins=self.pins)
        from lwm2m.health import Health
        import appversion
        boots = self.state.get("boots", 0) + 1
        self.state.set("boots", boots)  # written with the cycle's one state save, not
        # now: a wake from deep sleep is a boot, and a write of its own is a second flash
        # write per wake (issue 18: at most one; test_cycle_lean)
        self.health = Health(self.model, appversion.VERSION, boots, self.totals,
                             measure=not self._lean)  # a wake: heap figures when read
        self._reg_noted = False  # RSSI and IP logged for this registration
        from lwm2m.swupdate import SwUpdate
        # object 9: a new application must register within bring-up + registration time
        self.sw = SwUpdate(self.model, deadline_s=cfg.network_timeout_s + cfg.register_timeout_s)
        self.node.heartbeat_s = min(30, cfg.report_interval_s)
        # the lifetime the module last reported (a bootstrap server's, across MCU sleeps)
        self.node.lifetime = self.state.get("lifetime") or cfg.lifetime
        self.model.restore_observations(self.state.get("observed", []))
        self.downlinks = 0
        self.delivered = 0
        # totals of earlier runs: the state's own dict, not a copy (persist() gives the
        # state one of _totals, never changes this one)
        self._counters0 = self.state.get("counters") or {}
        # two dicts of counter totals, filled in place in turn by persist(): once they hold
        # every key a persist allocates no table (a ~256 B block every report, the size
        # that failed in a fragmented 44 KB heap, issue 21) and no tuple per counter, and
        # the state is given the other dict, so a changed total still marks it dirty
        self._totals = ({}, {})

    def on_downlink(self, data):
        """A server write to 19/1/0: log it; its count rides on the next uplinks."""
        self.downlinks += 1
        log.log(log.INFO, _TAG, "downlink %d bytes: %s", len(data), bytes(data).hex())
        return True

    def now(self):
        """-> (seconds since 1970, "n": from the network's time | "m": the MCU clock's)."""
        t = _mcu_epoch()
        if self.clock_offset is None:
            return int(t), "m"
        return int(t + self.clock_offset), "n"

    async def sync_clock(self):
        """AT+CCLK?: where the network gave the module the time, readings are stamped with
        it from now on (else with the MCU clock, flagged "m")."""
        from bc66.errors import BC66Error
        try:
            n = await self.modem.clock()
        except BC66Error as e:
            log.log(log.WARN, _TAG, "clock: %r", e)
            return
        if n is not None:
            self.clock_offset = n - _mcu_epoch()
            self.state.set("clock_offset", self.clock_offset)
            self.state.set("clock_at", n)

    def clock_due(self):
        """True when the network's time should be read again: never learnt, or learnt
        more than CLOCK_RESYNC_S ago (an MCU clock drifts: an ESP32's RC slow clock in
        deep sleep by up to a few percent, a crystal RTC by about 2 s a day)."""
        if self.clock_offset is None:
            return True
        return self.now()[0] - self.state.get("clock_at", 0) > CLOCK_RESYNC_S

    async def take_reading(self):
        """Read the sensors and queue one reading on flash -> its sequence number.

        The record is [time, "n"|"m", value, ...] (values in the config's sensor order, None
        where a sensor failed). The queue keeps it until the server acknowledged it, across
        restarts and power cuts, numbered without gaps; the payload carries the sequence
        number so the server can drop a duplicate and tell a lost reading from none."""
        t, src = self.now()
        values = await self.sensors.sample(t)
        seq = self.queue.put([t, src] + values)
        log.log(log.INFO, _TAG, "reading #%d queued (%d in queue)", seq, len(self.queue))
        return seq

    async def deliver(self, ack_ms):
        """Send queued readings in order on 19/0/0 (CON), each popped once acknowledged.

        Stops at the first one not acknowledged within ``ack_ms`` (it stays queued) ->
        True if the queue is empty afterwards."""
        from bc66.errors import ATTimeout, CommandError
        if self.node.registered.is_set() and not self._reg_noted:
            self._reg_noted = True
            await self.health.registered(self.modem)  # logs RSSI and IP
            self.sw.check(True)  # a new application on trial: confirmed
        if not self.data:
            return True
        while self.node.can_send():  # registered, network not lost (lwstatus)
            head = self.queue.peek()
            if head is None:
                return True
            seq, rec = head
            payload = _payload(seq, rec, self.downlinks)
            try:
                note = await self.data.send(payload)
            except (ATTimeout, CommandError):  # +QLWNOTIFY lost, or refused or not sent
                note = None  # (a garbled command, no "report"): not acknowledged, kept
            if note is None or not await note.wait(ack_ms):
                log.log(log.WARN, _TAG, "uplink #%d not acknowledged; kept (%d queued)",
                        seq, len(self.queue))
                return False
            self.queue.pop(seq)
            self.delivered += 1
            log.log(log.INFO, _TAG, "uplink #%d acknowledged", seq)
        return False

    def totals(self, c=None):
        """The node's counters summed over every run (an MCU wake is a new run), the
        engine's UART glitches, readings queued now and lost (health object 32771), into
        ``c`` (a new dict if None)."""
        c = {} if c is None else c
        base = self._counters0  # totals of earlier runs
        now = self.node.counters
        for k in now:  # (items() would make a tuple per counter)
            c[k] = base.get(k, 0) + now[k]
        c["delivered"] = base.get("delivered", 0) + self.delivered
        c["glitches"] = base.get("glitches", 0) + self.modem.counters()["glitches"]
        c["queue_dropped"] = self.queue.dropped
        c["sensor_failures"] = base.get("sensor_failures", 0) + self.sensors.failures
        c["queued"] = len(self.queue)
        return c

    def persist(self, save=True):
        """Observations and counter totals to flash (the queue and back-off save
        themselves); ``state.get("counters")`` is readable by the application. ``save``
        False: only into the state, for the one write before the deep sleep."""
        st = self.state
        st.set("observed", self.model.observations())
        st.set("lifetime", self.node.lifetime)
        # one of two dicts, the one the state does not hold: nothing allocated per cycle
        c = self._totals[0] if st.get("counters") is not self._totals[0] else self._totals[1]
        st.set("counters", self.totals(c))
        if save:
            st.save()

    async def sensors_loop(self):
        """Every ``report_interval_s``: a reading into the queue, delivered once registered
        and the network is there (``node.can_send``); kept queued meanwhile."""
        import time
        ack_ms = int(self.cfg.register_timeout_s * 1000)
        node = self.node
        while True:
            if self.settings.apply():  # what the server wrote since the last cycle
                self.sensors.report_only(self.settings.sensors)
            period = int(self.cfg.report_interval_s * 1000)
            due = time.ticks_add(time.ticks_ms(), period)
            await self.take_reading()
            while True:
                left = time.ticks_diff(due, time.ticks_ms())
                if not node.registered.is_set():
                    self._reg_noted = False  # the next registration is logged again
                if left > 0:
                    await node.wait_can_send(left)
                try:
                    if await self.deliver(ack_ms) or time.ticks_diff(due, time.ticks_ms()) <= 0:
                        break
                except Exception as e:  # a failed uplink must not stop the sensor loop
                    log.log(log.WARN, _TAG, "uplink failed: %r", e)
                    break
                await asyncio.sleep_ms(max(0, min(1000, time.ticks_diff(due, time.ticks_ms()))))
            self.persist()
            self.log_stats()
            # never straight back to the modem: other tasks get their turn at it
            await asyncio.sleep_ms(max(100, time.ticks_diff(due, time.ticks_ms())))

    def log_stats(self):
        """One line of health figures: heap in use after a collection, counters."""
        import gc
        if not self._lean:  # (a wake's figures are measured when read)
            self.health.refresh()  # heap figures for 32770, observers notified
        # an application on trial that has not registered by its deadline (in a duty
        # cycle: by the end of the cycle) is rolled back at the next boot
        self.sw.check(self.node.registered.is_set(), final=self.cfg.duty_cycle_enabled)
        gc.collect()
        c = self.node.counters
        log.log(log.INFO, _TAG, "stats heap=%d free=%d req=%d dropped=%d reboots=%d queued=%d",
                gc.mem_alloc(), gc.mem_free(), c["requests"], c["dropped_requests"],
                c["reboots"], len(self.queue))

    async def run(self):
        """Always-on mode: serve requests, report every ``report_interval_s``."""
        await self.node.start_module()  # powered on (PWRKEY) if it is off
        await self.sync_clock()
        self.node.spawn("sensors", self.sensors_loop)  # restarted if it dies
        await self.node.run()

    async def duty(self):
        """One duty cycle, then MCU deep sleep (on unix: exit 75 after ``SLEEP <ms>``).

        ``power.duty_step`` runs it under the module-sleep guard: wake the module
        (PSM_EINT, AT, AT+QSCLK=0); ``_cycle`` finds out where the module is (registered,
        needs recovery, not registered) and gets it registered, answers what the server
        left, and delivers the queued readings in order (each CON followed to its
        report_ack); the battery voltage goes last with RAI 1; AT+QSCLK=1; persist; sleep
        until the next report, planned against the module's own update interval."""
        from lwm2m import power, sleep

        sleep.resume_sleep(self.board, self.state)  # a long sleep not over: sleep on
        self.woke = self.board.woke_from_sleep()
        self.age = sleep.UpdateAge(self.state, self.woke)
        self.modem.listen()
        # a +QLWNOTIFY result that never comes (a lost or garbled line) costs at most the
        # cycle's notify budget, not the 60 s network wait: that reading stays queued.
        # (The module's other network waits have their own deadline: register_timeout_s.)
        self.modem.network_ms = self.cfg.duty_cycle_notify_timeout_s * 1000
        self.node.keep_awake = False  # the Awake guard owns AT+QSCLK in a duty cycle
        self.node.start_tasks()
        await self.take_reading()
        b = self.board  # light sleep through the PSM_EINT hold where the board has it
        awake = power.Awake(self.modem, self.pins, revive=self.node.revive,
                            idle=b.lightsleep if b.HAS_LIGHTSLEEP else None)
        await power.duty_step(awake, self._cycle, self._last_packet,
                              sleep.deepsleep_fn(self.board, self.state, self.age), state=self.state,
                              ack_ms=int(self.cfg.register_timeout_s * 1000),
                              sleep_s=self._plan_sleep, save=False)

    async def _cycle(self):
        # -> a done "note" whose wait() tells if every queued reading was acknowledged
        from bc66.errors import BC66Error
        cfg, node, st = self.cfg, self.node, self.state
        try:
            # a wake from our own deep sleep, the module set up for this config before:
            # the Awake guard has just woken it and it answered (a wake is a module
            # reboot: the driver re-sends ATE0/AT+CMEE=1 itself); the clock's offset to
            # the network's time is in the state from then (the MCU's RTC ran on)
            done = st.get("setup") if self.woke and st.get("slept") else None
            if not done or done[0] != self._setup_key():
                done = None
                await node.start_module(2)
                await self.sync_clock()
            # a start right after a planned sleep: that sleep was the back-off; any other
            # start (a crash, a boot loop) waits out what is left of it
            wait = 0 if st.get("slept") else self.backoff.remaining_s()
            st.set("slept", False)
            if wait > 0:
                log.log(log.WARN, _TAG, "restarted while backing off: %d s left", wait)
                return None
            if done and self.clock_due():  # not learnt yet, or an hour old: read again
                await self.sync_clock()
            if not (done and await self._resume(done[1])):
                if done:  # the module lost its context (e.g. rebooted while we slept)
                    await node.start_module(2)
                await node.setup()
                await node.ensure_registered()
                if node.registered.is_set():
                    st.set("setup", [self._setup_key(), node.imei])
            if not node.registered.is_set():
                return None
            self.age.mark()
            if node.buffered or cfg.qlwcfg_access_mode:
                await node.drain_buffer()
            # what the server queued comes right after the recovery: answered by the
            # node's serving task while the readings go up and their acks come back;
            # then a short quiet window so the last packet does not cut an answer short
            # (a 200 ms wait before the readings was a quarter of the MCU's waits)
            done = await self.deliver(int(cfg.register_timeout_s * 1000))
            await node.serve_pending(_QUIET_MS)
            return _Done(done)
        except (BC66Error, OSError) as e:
            self.backoff.next_delay_s(e)
            raise

    def _setup_key(self):
        # what the module was set up with, as a number (no PSK on flash): server settings,
        # AT+QLWCFG options, objects
        c = self.cfg
        return hash(repr((c.host, c.port, c.bootstrap, c.endpoint, c.lifetime,
                          c.security_mode, c.psk_id, c.psk, c.cfg_items(),
                          tuple(c.objects))))

    async def _resume(self, imei):
        # the note's wake sequence (5.5) with nothing re-read: AT+QLWSTATUS?, at 7
        # AT+QLWRECOVER. -> False if the module lost its context (then the full setup)
        from bc66.modem import STATUS_NEED_RECOVER, STATUS_REGISTERED
        node = self.node
        status = await self.modem.status()
        if status not in (STATUS_NEED_RECOVER, STATUS_REGISTERED):
            return False
        n = node.counters["registrations"]
        node.resume(imei)
        if not await node.ensure_registered(status) or not node.registered.is_set():
            return False
        if node.counters["registrations"] != n:  # recovery failed, registered anew
            await self.model.sync_objects(self.modem)
        else:  # the registration RSSI and IP were read at is the one recovered: not again
            self._reg_noted = True  # (two commands a wake; issue 18: at most 8)
        return True

    async def _last_packet(self):
        if self.volt and self.node.can_send():  # battery voltage, NON, RAI 1
            await self.modem.notify(3316, self.volt.inst, 5700, 4, self.volt.value,
                                    con=False, rai=1)

    def _plan_sleep(self, acked):
        # seconds to sleep; everything into the state, saved once with the sleep
        from lwm2m import power
        cfg, st = self.cfg, self.state
        life = self.node.lifetime  # the module's: a bootstrap server may have set another
        s = power.plan_sleep_s(life, self.age.seconds(life),
                               cfg.duty_cycle_sleep_s, recovery_mode=cfg.qlwcfg_recovery_mode)
        if not acked and self.backoff.failures:
            s = min(cfg.duty_cycle_sleep_s, max(1, self.backoff.remaining_s()))
        self.log_stats()
        log.log(log.INFO, _TAG, "cycle done: %s, %d queued, sleeping %d s",
                "delivered" if acked else "not delivered", len(self.queue), s)
        st.set("slept", True)
        self.persist(save=False)  # saved once, with the sleep (sleep.deepsleep_fn)
        return s

    async def shutdown(self, code=EXIT_STOPPED):
        """The orderly stop (``run_until_stopped`` runs it for every cause, ``code``): the
        node's tasks end, observations and counters are saved, the module is de-registered
        if it is registered (not asked when it never powered on), the port is closed.

        Runs on the interrupted event loop itself (never a new one: its tasks are still
        queued in it). A Ctrl-C may have ended a task in the middle of a step (the reader
        task too): those are never resumed; the driver's reader and keeper are replaced."""
        self.node.stop()  # cancels the node's tasks, the sensor loop's too
        # one turn of the loop: the cancelled tasks end and their frames become garbage
        # before persist() needs the heap (2.2 KB on the Cortex-M3, docs/benchmark-notes.md)
        await asyncio.sleep_ms(0)
        try:
            self.persist()
        except Exception as e:  # a full flash must not keep the module registered
            log.log(log.WARN, _TAG, "state not saved: %r", e)
        if code == EXIT_NO_MODULE:
            return
        try:
            from bc66.errors import BC66Error
            self.modem.restart_reader()
            try:
                await self.modem.start(tries=3)
            except BC66Error:  # a command the Ctrl-C cut mid-write took the first AT with
                await self.modem.start(tries=3)  # it ("AT+QLWNOTIFY=19,0,0,AT": ERROR)
            await self.node.deregister(force=True)
            await self.node.power_down()
        finally:
            await self.modem.stop()


# errno -> what a user reads (unix port: the --port argument); pairs, not a dict: a
# constant in flash on a board that freezes the code
_PORT_ERRORS = ((2, "no such device"), (13, "permission denied"), (19, "no such device"),
                (21, "is a directory, not a serial device"),
                (25, "not a serial device (not a tty)"), (110, "connection timed out"),
                (111, "connection refused"), (113, "no route to host"))


def open_port(board, dev):
    """The board's modem port; a port that cannot be opened ends the program with one
    line naming the device and the cause (exit 1), not a traceback."""
    try:
        if dev and dev.startswith("tcp:"):
            p = dev.split(":")
            if len(p) != 3 or not p[1] or not p[2].isdigit() or not 0 < int(p[2]) < 65536:
                raise ValueError("must be tcp:HOST:PORT with PORT 1..65535")
        return board.open_port(dev)
    except (OSError, ValueError) as e:
        code = e.args[0] if e.args else None
        if isinstance(e, ValueError):
            cause = str(e)
        elif type(code) is not int or code < 0:  # getaddrinfo: "[addrinfo error -2]"
            cause = "host name not found"
        else:
            cause = "cannot be opened (error %s)" % (code,)
            for n, text in _PORT_ERRORS:
                if n == code:
                    cause = text
        log.log(log.ERROR, _TAG, "port %s: %s", dev, cause)
        raise SystemExit(1)


def _payload(seq, rec, downlinks):
    # a queued reading as sent on 19/0/0: "seq,time,n|m,downlinks,value,..." (an empty
    # value: that sensor failed); a record of older firmware ([centi-degC, mV]) as it was
    if len(rec) < 2 or rec[1] not in ("n", "m"):
        return b"%d,%d,%d,%d" % (seq, rec[0], rec[1], downlinks)
    vals = ",".join("" if v is None else str(v) for v in rec[2:])
    return ("%d,%d,%s,%d,%s" % (seq, rec[0], rec[1], downlinks, vals)).encode()


class _Done:
    """A finished cycle in the shape ``power.duty_step`` expects of a notification."""

    def __init__(self, ok):
        self.ok = ok

    async def wait(self, timeout_ms=0):
        return self.ok


async def _ctrl_c_from(stream, reading):
    # A Ctrl-C as a byte (0x03) on ``stream``, raised between two steps of the loop as the
    # KeyboardInterrupt a board's Ctrl-C is (its REPL schedules it). The unix port raises
    # a SIGINT's KeyboardInterrupt from the signal handler itself, wherever the C code is
    # (MICROPY_ASYNC_KBD_INTR): inside a collection (the heap left locked), asyncio's run
    # queue or a dict, so a shutdown after it can fail or hang. ``--stop stdin``: the tool
    # that started the firmware sends its Ctrl-C this way (tools/board/nodeproc.py).
    # ``reading[0]``: True while a task is to read the stream (one reader: a second one on
    # the same stream would take the first one's place in asyncio's IO queue, orphaned).
    r = asyncio.StreamReader(stream)
    while True:
        b = await r.read(1)
        if not b:
            return  # closed: a Ctrl-C can only come as a signal now
        if b == b"\x03":
            reading[0] = False  # (this task ends here)
            raise KeyboardInterrupt


def run_until_stopped(work, shutdown, ctrl_c=None):
    """Run ``work()`` until it ends, fails or Ctrl-C stops it, then ``shutdown()``: the
    one way the node stops -> the exit code (EXIT_*), the cause logged in one line.
    ``ctrl_c``: a stream whose 0x03 byte is a Ctrl-C (``--stop stdin`` on the unix port).

    Both run on the same event loop. A new loop after an interrupted one is the crash of
    MicroPython issue 12871 (a HardFault in mp_pairheap_delete on the Cortex-M3): the old
    loop's tasks stay in the old C task queue, and cancelling one removes it from the new
    queue. Ctrl-C during the shutdown ends it at once (EXIT_FORCED)."""
    from lwm2m.node import TaskDied
    from bc66.onoff import PowerOnFailed
    import gc
    task = asyncio.create_task(work())
    reading = [ctrl_c is not None]  # a task reads ctrl_c
    if ctrl_c is not None:
        asyncio.create_task(_ctrl_c_from(ctrl_c, reading))
    code, why = EXIT_STOPPED, "done"
    try:
        asyncio.get_event_loop().run_until_complete(task)
    except KeyboardInterrupt:
        # a Ctrl-C inside a garbage collection (the unix port) ends it half done with the
        # heap locked: every allocation fails until a collection runs to its end
        gc.collect()
        why = "interrupted (Ctrl-C)"
    except TaskDied as e:  # never half alive: deregister if possible, then exit non-zero
        code, why = EXIT_TASK_DIED, str(e)
    except PowerOnFailed as e:  # bounded PWRKEY tries: one clear line, not a retry loop
        code, why = EXIT_NO_MODULE, str(e)
    except Exception as e:
        code, why = EXIT_FATAL, "fatal error: %r" % (e,)
        sys.print_exception(e)
    log.log(log.INFO if code == EXIT_STOPPED else log.ERROR, _TAG, "stopping: %s", why)

    async def stop():
        if not task.done():  # interrupted: alive, or ended mid-step (then a no-op)
            task.cancel()
        await shutdown(code)

    if ctrl_c is not None and not reading[0]:  # a second Ctrl-C cuts the shutdown short
        reading[0] = True
        asyncio.create_task(_ctrl_c_from(ctrl_c, reading))

    try:
        asyncio.get_event_loop().run_until_complete(asyncio.create_task(stop()))
    except KeyboardInterrupt:
        gc.collect()  # (as above)
        log.log(log.WARN, _TAG, "stopped at once: Ctrl-C during the shutdown")
        return EXIT_FORCED
    except Exception as e:
        log.log(log.WARN, _TAG, "shutdown: %r", e)
    log.log(log.INFO, _TAG, "stopped (exit %d)", code)
    return code


def main(argv=None):
    import boards
    from lwm2m import config

    try:
        board = boards.load()
    except boards.BoardError as e:  # a description this board cannot run: name the field
        log.log(log.ERROR, _TAG, "%s", e)
        raise SystemExit(EXIT_CONFIG)
    args = parse_args(argv or sys.argv, board)
    log.level = {"debug": log.DEBUG, "info": log.INFO, "warn": log.WARN}.get(args["log"], log.INFO)
    try:
        from lwm2m import swupdate
        cfg = config.load_cached(args["config"], args["config"] + ".checked",
                                 swupdate.package_config())
    except config.ConfigError as e:
        log.log(log.ERROR, _TAG, "config: %s", e)
        raise SystemExit(EXIT_CONFIG)
    if board.PORT == "unix" and not args["port"]:
        raise SystemExit("--port is required on the unix port")
    port = open_port(board, args["port"])
    from sensors import SensorError
    try:
        app = App(board, cfg, args, port)
    except (boards.BoardError, SensorError) as e:  # the port refused a pin or the UART
        log.log(log.ERROR, _TAG, "%s", e)
        raise SystemExit(EXIT_CONFIG)
    log.log(log.INFO, _TAG, "starting on %s, server %s:%d", board.NAME, cfg.host, cfg.port)
    code = run_until_stopped(app.duty if cfg.duty_cycle_enabled else app.run, app.shutdown,
                             sys.stdin.buffer if args["stop"] == "stdin" else None)
    if code in (EXIT_FATAL, EXIT_TASK_DIED, EXIT_NO_MODULE):
        end(board, code)  # on a board: the MCU restarts (the shutdown saved the state)
    if code:
        raise SystemExit(code)
    return app


def end(board, code):
    """The node has to stop (state saved): exit with ``code``; on a board that can
    (``HAS_RESET``) restart the MCU instead: a node in a field never just ends."""
    if board.HAS_RESET:
        log.log(log.ERROR, _TAG, "restarting the MCU (stop code %d)", code)
        board.reset()
    raise SystemExit(code)

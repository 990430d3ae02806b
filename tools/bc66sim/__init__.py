"""bc66sim: a simulated Quectel BC66 (LwM2M AT command set) for development and tests.

Run it: ``python -m tools.bc66sim [--tcp PORT] [--nvram F] [--transcript F] ...`` prints the
device path (a pty) and serves until stopped. See docs/simulator.md.

In-process (pytest fixtures ``sim`` / ``sim_factory`` in host_tests/sim_fixtures.py)::

    from tools.bc66sim import Simulator, ServerTimeout, ServerError
    sim = Simulator(nvram=None, transcript=None, attach_s=0.2, time_scale=1.0, seed=0,
                    sleep_after_s=None, latency_ms=0, echo=False, baud=None,
                    imei="867997030052996", ip="100.88.40.249", rssi=24,
                    response_timeout_s=5.0, lose_first_after_wake=True, msgid_start=None,
                    cmee=1, boot_s=0.05, tmobile=False, readings="strict",
                    rrc_inactivity_s=20.0)
    # readings: how the module reads the points the note leaves open, "strict" (default),
    # "lenient" or {name: value, "base": value}: tools/bc66sim/readings.py
    # tmobile=True: a T-Mobile USIM (note 3.4 case 1): on the first boot with an empty
    # NVRAM configuration the module sets the T-Mobile bootstrap server and auto_reg 1
    # itself once attached, and registers.
    sim.start()                # pty; sim.device is the slave path. Powers on (banner, RDY,
                               # +CFUN: 1, +CPIN: READY, then +IP: after attach_s)
    sim.start(tcp_port=0)      # TCP listener on 127.0.0.1 instead; sim.tcp_port
    sim.stop()

Time: every module-side delay (attach_s, boot_s, sleep_after_s, lifetimes and update
intervals, retransmission timeouts, disable timeout, network round trips) is in
*module-seconds* and takes module_s * time_scale real seconds; time_scale=0.01 makes a 30 s
lifetime's 15 s update interval fire after 0.15 s. Server deadlines (`timeout=`), fault
delays (`delay(ms=)`) and `wait_for` timeouts are *real* seconds. latency_ms is
module-time.

State and observation:
    sim.status -> int           AT+QLWSTATUS? value 0..7
    sim.attached -> bool        network attached (+CEREG stat 1)
    sim.asleep -> bool          in deep sleep (UART ignored)
    sim.slept_s -> float        module-seconds slept in total (current sleep included)
    sim.last_sleep_s, sim.sleeps   last / every completed deep sleep (module-seconds)
    sim.commands -> [str]       every command line the MCU sent (including lost ones)
    sim.notifications -> [Notification]  each AT+QLWNOTIFY part: .obj .inst .res .vtype
                                .value (str/bytes/int/float/bool) .index .con .rai
                                .msgid (report id, CON only) .acked (None/True/False) .path
    sim.update_count            automatic/server/object-list updates ("ping") so far
    sim.reg_attempts            [(server "bootstrap"/"lwm2m", ok)] per registration attempt
    sim.radio_connected, sim.radio_s, sim.radio_releases [(how, s)]   RRC connection:
                                released after rrc_inactivity_s (Simulator arg, default
                                20 module-s) or by RAI (radio.py); deep sleep waits for it
    sim.light_asleep, sim.light_sleeps   light sleep (AT+QSCLK=2; UART wakes it)
    sim.reboots                 reboots done through the control API / faults
    sim.transcript.lines        the transcript so far (list of str)
    sim.nvram.data              {"config", "cfg", "objects", "context"}
    sim.modem                   the module (state, lifetime, buffer, eff cfg...): read only
    sim.wait_for(pred, timeout=5.0) -> pred() value or TimeoutError
    sim.wait_status(n, timeout=5.0)

Control:
    sim.wake(reason="PSM_EINT") -> bool   falling edge on PSM_EINT (False if awake)
    sim.sleep_now()                       force deep sleep now
    sim.reboot(reason="reset"); sim.power_cycle()
    sim.pwrkey() -> "on"/"wake"/None      PWRKEY: power on if off, wake if asleep
    sim.power_off(reason="AT+QPOWD")      power off (silent until PWRKEY; NVRAM kept)
    sim.powered, sim.power_ons, sim.power_offs   VDD_EXT and counts (Simulator(off=True))
    sim.set_next_msgid(n)                 next message id the module hands out

The LwM2M server (sim.server). Path: "obj/inst/res" (or a tuple); missing parts are -1.
Each request raises ServerError when the client is not registered (QLWSTATUS != 2) or
the network is lost; emits its URC with a fresh msgid (or `+QLWURC: "buffer"` and
queues it for AT+QLWRD in access_mode 1); waits up to `timeout` (default
response_timeout_s, real seconds) for the matching response command; returns a Response
or raises ServerTimeout. With block=False it returns a Pending; Pending.wait(timeout)
gives the Response. A request to an object instance the MCU has not added with
AT+QLWADDOBJ is answered by the module itself with result 13 (no URC).
    sim.server.read(path, timeout=None, msgid=None, block=True) -> Response
    sim.server.write(path, vtype, value, timeout=None, msgid=None, block=True) -> Response
        value: bytes (sent as is), str (UTF-8), int/float (str()), bool ("1"/"0");
        the URC carries the payload in upper-case hex and <len> = number of bytes.
    sim.server.execute(path, ...) -> Response (1/0/8, 1/0/4, 3/0/5, 1/0/9 map to below)
    sim.server.observe(path, ...) / sim.server.cancel_observe(path, ...) -> Response
    sim.server.update_trigger() -> Response   module answers: +QLWURC: "ping",0
    sim.server.disable(timeout_s=86400)       +QLWURC: "disable",<t>; state 4, registers
                                              again after timeout_s module-seconds
    sim.server.factory_reset()                +QLWURC: "factory_reset",0 then reboot
                                              (access_mode 1: buffered, no reboot)
    sim.server.bootstrap_request_trigger()    URC then a new registration (+QLWREG: 0)
    sim.server.bootstrap(host, port, lifetime=30)  server-initiated bootstrap: the 5.3 URCs,
                                              then a registration to host:port
    Built-in objects (3.2.1, builtins.py) are answered by the module: reads of 1/0, 3/0,
    4/0; writes of 1/0/1, 1/0/2, 1/0/3, 1/0/7 emit lifetime/min_period/max_period/
    binding_changed; Response.auto is True.
    Response: .kind .msgid .result (1 content, 2 changed, 11..15 errors, 13 not found)
              .values [(obj, inst, res, vtype, value)] (all parts until index 0)
              .value (first value) .ok .auto (answered by the module: auto_ack, builtins)
              `r == 2` / `int(r)` compare / convert the result code
    sim.server.pending {msgid: Pending}; sim.server.log [Response]; sim.server.observed
    sim.server.observe_all = True         every path counts as observed; False: only the
                                          paths in observed (a CON notify of any other:
                                          "report_ack",2 Packet not sent, as over CoAP)
AT+QLWNOTIFY of an object, instance or resource the module does not hold as a custom
object (AT+QLWADDOBJ; built-in ones included) is not sent: OK, +QLWNOTIFY: 3, no "report".
A response command while not registered gets error 4, one whose msgid is unknown (or of
another kind) error 3; requests the module forgot (reboot, wake, AT+CFUN=0, deregister,
disable) are never answered (Pending.wait raises ServerTimeout "module forgot it");
with auto_ack the module answers observes itself and still accepts AT+QLWOBSRSP.

Faults (sim.faults). once=True fires once; p=<prob> with seed=<n> fires randomly and
reproducibly (seed defaults to the Simulator's seed). cmd is a prefix of the command line,
case-insensitive ("AT+QLWREG", "AT+QLWNOTIFY=").
    drop_bytes(p=0.01, seed=None, direction="out"|"in"|"both")
    corrupt_bytes(...), duplicate_bytes(...)        same signature (a bit flip / a repeat)
    split_lines(p=1.0, seed=None, gap_ms=20)        cut writes at a random byte + pause
    overlong_line(length=2048, seed=None, terminate=True)   emit garbage now
    garbage(data)                                   emit raw bytes now
    drop_line_byte(prefix, pos, once=True)          drop byte pos of the next line (bytes prefix)
    drop_command_byte(prefix, pos, once=True)       drop byte pos of the next command the
                                                    MCU sends (bytes prefix), before the module reads it
    delay(cmd, ms, once=True, p=1.0, seed=None)     real-time delay of the whole output
    omit(cmd, once=True, ...)                       executed, info lines + OK never sent
    error(cmd, code=None, once=True, ...)           not executed; ERROR / +CME ERROR: code
    reboot(after_cmd=None, when="before"|"mid"|"after", once=True, ...)
                                                    None: reboot now
    fail_registration(n=1)                          next n registrations: +QLWREG: 1
    fail_attempts(n=1, server=None)                 queue n failed attempts ("bootstrap"/
                                                    "lwm2m"/any): retries, fallback (3.3);
                                                    sim.reg_attempts [(server, ok)]
    create_error(n=1)                               next n AT+QLWREG: +CME ERROR: 34
    fail_update(n=1)                                next n updates: "ping",4, then the module
                                                    registers again by itself (3.3 case 3)
    network_lost() / network_resumed()              +QLWURC: "lwstatus",0 / 1
    lose_registration()                             now: "ping",4, the module registers again
                                                    (an AT+QLWUPDATE in flight gets no result)
    lose_report_ack(n=1, p=None, seed=None)         report_ack,1 after the retransmit time
    write_rsp_error(on=True)                        AT+QLWWRRSP -> ERROR (QLWRRSP works)
    clear()

A small AT client for tests: tools.bc66sim.client.ATClient(sim.device).
"""
from .lwm2m import Notification
from .server import Pending, Response, ServerError, ServerTimeout
from .sim import Simulator

__all__ = ["Simulator", "Response", "Pending", "ServerError", "ServerTimeout",
           "Notification"]

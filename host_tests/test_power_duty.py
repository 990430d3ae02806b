"""Duty cycles, sleep and recovery: the firmware restarted cycle after cycle (the unix
stand-in for MCU deep sleep) against the simulated BC66."""
import os
import re


from tools.board.supervisor import EXIT_SLEEP


def acked_seqs(sim):
    out = []
    for n in sim.notifications:
        if n.path == "19/0/0" and n.acked:
            out.append(int(bytes(n.value).split(b",")[0]))
    return out


def queued_seqs(sup):
    d = os.path.join(sup.workdir, "state", "q")
    return sorted(int(f) for f in os.listdir(d) if f.isdigit()) if os.path.isdir(d) else []


def readings(sup):
    seqs = []
    for c in sup.cycles:
        for line in c[3]:
            m = re.search(r"reading #(\d+) queued", line)
            if m:
                seqs.append(int(m.group(1)))
    return seqs




def test_cycles_report_then_sleep_module_and_mcu(duty):
    sup = duty()
    sim = sup.sim
    sup.run(4)
    assert [c[0] for c in sup.cycles] == [EXIT_SLEEP] * 4
    assert all(c[1] == 60000 for c in sup.cycles)
    assert sorted(acked_seqs(sim)) == readings(sup) and queued_seqs(sup) == []
    assert len(sim.sleeps) >= 3  # the module slept between the cycles
    import json
    st = json.load(open(os.path.join(sup.workdir, "state", "state.json")))
    assert st["counters"]["delivered"] == 4  # totals carried across the MCU's restarts
    assert st["duty"]["n"] == 4
    # every exchange is wrapped: QSCLK=0 first, QSCLK=1 last, and the last packet has RAI
    c = sim.commands
    assert c.count("AT+QSCLK=0") == 4 and c.count("AT+QSCLK=1") == 4
    last = [n for n in sim.notifications if n.rai == 1]
    assert len(last) == 4 and all(n.path == "3316/0/5700" and not n.con for n in last)
    i1 = len(c) - 1 - c[::-1].index("AT+QSCLK=1")
    assert c[i1 - 1].startswith("AT+QLWNOTIFY=3316,0,5700") and c[i1 - 1].endswith(",0,0,1")


def test_late_notify_answer_is_not_sent_twice(duty):
    """An AT+QLWNOTIFY answered late (a slow module, or a host too busy to read the OK
    within 300 ms): the driver waits for it instead of resending, which sent the reading
    twice (both acknowledged)."""
    sup = duty()
    sim = sup.sim
    sup.run(1)
    sim.faults.delay("AT+QLWNOTIFY=19", 450)
    sup.run(1)
    sent = [int(bytes(n.value).split(b",")[0]) for n in sim.notifications if n.path == "19/0/0"]
    assert sorted(sent) == readings(sup) and sorted(acked_seqs(sim)) == readings(sup)


def test_recovery_mode_1_recovers_with_qlwrecover(duty):
    """The note's 5.5: wake, +QLWSTATUS: 7, AT+QLWRECOVER, "recovered",0."""
    sup = duty()
    sim = sup.sim
    sup.run(2)
    line = [x for x in sim.transcript.lines if "QLWSTATUS: 7" in x]
    assert line, "module never needed recovery"
    assert "AT+QLWRECOVER" in sim.commands
    assert any('"recovered",0' in x for x in sim.transcript.lines)
    assert sim.commands.count("AT+QLWREG") == 1  # recovered, not registered again
    assert sorted(acked_seqs(sim)) == readings(sup)


def test_recovery_mode_0_module_recovers_by_itself(duty):
    sup = duty(qlwcfg={"recovery_mode": 0})
    sim = sup.sim
    sup.run(3)
    assert "AT+QLWRECOVER" not in sim.commands
    assert sim.commands.count("AT+QLWREG") == 1
    assert sorted(acked_seqs(sim)) == readings(sup)


def test_lost_ack_keeps_reading_and_resends_it_with_its_sequence(duty):
    sup = duty()
    sim = sup.sim
    sup.run(1)
    sim.faults.lose_report_ack(1)
    sup.run(1)
    r = readings(sup)
    assert queued_seqs(sup) == [r[1]]  # kept on flash, not dropped
    sup.run(1)
    assert queued_seqs(sup) == []
    sent = [int(bytes(n.value).split(b",")[0]) for n in sim.notifications if n.path == "19/0/0"]
    assert sent.count(r[1]) == 2  # the same sequence number twice: the server can dedupe
    assert sorted(set(acked_seqs(sim))) == readings(sup)


def test_failed_registration_backs_off_across_restarts(duty):
    sup = duty(backoff={"base_s": 5, "cap_s": 40})
    sim = sup.sim
    sim.faults.fail_registration(3)
    sup.run(4)
    sleeps = [c[1] for c in sup.cycles]
    assert sleeps[0] < sleeps[2] or sleeps[1] < sleeps[2], sleeps  # grows, persisted
    assert sleeps[0] <= 5000 and max(sleeps[:3]) <= 40000
    assert sup.cycles[-1][1] == 60000  # registered again: back to the report interval
    assert sorted(acked_seqs(sim)) == readings(sup)  # the queued readings caught up
    st = open(os.path.join(sup.workdir, "state", "state.json")).read()
    assert '"backoff"' not in st  # reset after success


def test_power_cut_mid_cycle_loses_nothing(duty):
    sup = duty()
    sim = sup.sim
    sup.run(1)
    from tools.board.nodeproc import Firmware
    fw = Firmware(sim.device, sup.workdir, config=sup.config, pins=sup.pins).start()
    fw.wait_log(r"reading #\d+ queued", timeout=10)
    fw.kill()  # power cut right after the reading was queued
    cut = int(re.search(r"reading #(\d+)", [x for x in fw.lines if "reading #" in x][0]).group(1))
    sup.run(2)
    assert cut in acked_seqs(sim)
    assert queued_seqs(sup) == []


def test_buffer_access_mode_drains_cached_requests_after_wake(duty):
    sup = duty(qlwcfg={"recovery_mode": 1, "access_mode": 1})
    sim = sup.sim
    sup.run(2)  # access_mode takes effect after the module's first reboot (a wake)
    p = sim.server.read("3303/0/5701", block=False)
    sup.run(1)
    r = p.wait(5)
    assert r.result == 1 and r.value == "Cel"
    assert "AT+QLWRD" in sim.commands


def test_unresponsive_module_is_reset_through_its_pin(node_factory):
    sim, fw = node_factory(pins=True, report_interval_s=1)
    sim.faults.omit("AT", once=False)
    try:
        sim.wait_for(lambda: sim.pins.pulses["RESET"] >= 1, 30)
    except TimeoutError:
        raise AssertionError("\n".join(fw.lines[-30:]))
    sim.faults.clear()
    fw.wait_log(r"pulsing RESET", timeout=5)
    sim.wait_for(lambda: sim.status == 2, 30)
    assert sim.server.read("3303/0/5700", timeout=5).result == 1


def test_readings_numbered_without_gaps_and_timed_across_wakes(duty):
    """Each wake's reading follows the last one's number (the queue jumped by 16 at every
    wake before) and carries its time: the MCU clock's at the first wake ("m"), then the
    network's, learnt with AT+CCLK? and kept across the sleeps ("n")."""
    import time
    sup = duty()
    sim = sup.sim
    sup.run(5)
    rows = [bytes(n.value).decode().split(",") for n in sim.notifications
            if n.path == "19/0/0" and n.acked]
    assert [int(r[0]) for r in rows] == [1, 2, 3, 4, 5] == readings(sup), rows
    assert [r[2] for r in rows] == ["m", "n", "n", "n", "n"], rows
    t = [int(r[1]) for r in rows]
    assert t == sorted(t) and abs(t[-1] - time.time()) < 120, t
    # learnt once: a wake from the node's own deep sleep keeps the offset (the lean cycle)
    assert sim.commands.count("AT+CCLK?") == 1
    # ... for an hour (app.CLOCK_RESYNC_S): then a wake reads it again (the MCU clock drifts)
    import json
    path = os.path.join(sup.workdir, "state", "state.json")
    st = json.load(open(path))
    st["clock_at"] -= 3601
    json.dump(st, open(path, "w"))
    sup.run(2)
    assert sim.commands.count("AT+CCLK?") == 2


def test_power_cut_after_a_reading_keeps_numbers_going(duty):
    """The MCU's power cut just after a reading went to flash (nothing persisted after
    it): the reading is delivered at the next start and the numbers run on, no gap."""
    from tools.board.nodeproc import Firmware
    sup = duty()
    sim = sup.sim
    sup.run(2)
    fw = Firmware(sim.device, sup.workdir, config=sup.config, heap=sup.heap, pins=sup.pins,
                  env={"BC66_WOKE": "0"}).start()
    try:
        fw.wait_log(r"reading #3 queued", timeout=30)
    finally:
        fw.kill()
    sup.sleep(1000)
    sup.run(2)
    assert readings(sup) == [1, 2, 4, 5]
    # (#3 twice if it went up before the cut: the server drops it by its number)
    assert set(acked_seqs(sim)) == {1, 2, 3, 4, 5} and queued_seqs(sup) == []

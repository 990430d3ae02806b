"""Operating a deployed node from Eclipse Wakaama's lwm2mserver: the settings object
(32769), the health objects and application updates through object 9, end to end
(Wakaama -> the simulated BC66's CoAP client -> the firmware on the unix port). Every
assertion reads what Wakaama printed or what the node logged."""
import re

from coap_fixtures import ask, client_id



def read_value(w, c, path):
    """Read one resource -> its value's bytes (TLV: an integer big-endian, a string as
    is), from the hex dump Wakaama prints under "data (N bytes):" after its 2.05 line."""
    mark = w.mark()
    ask(w, "read %d %s" % (c, path), r"%s : 2\.05" % re.escape(path))
    n = int(w.wait_line(r"data \((\d+) bytes\):", start=mark).group(1))
    w.command("")  # its dump is complete before the next prompt
    lines = w.text(mark).splitlines()
    i = [k for k, x in enumerate(lines) if "data (%d bytes):" % n in x][0]
    data = b""
    for line in lines[i + 1:]:
        if len(data) >= n:
            break
        k = min(16, n - len(data))  # the line's bytes in hex, then as text
        data += bytes.fromhex("".join(line.split()[:k]))
    return data[:n]


def test_settings_write_seen_at_the_next_cycle(waka_factory, coap_node):
    w = waka_factory()
    sim, fw = coap_node(w.port, lifetime=60, report_interval_s=2)
    c = client_id(w)
    fw.wait_log(r"node: registered", timeout=60)
    mark = w.mark()
    ask(w, "read %d /32769/0" % c, r"/32769/0 : 2\.05")
    w.wait_line(r"ID: 7 type: Resource Value", start=mark)
    for rid in range(7):
        assert "ID: %d type: Resource Value" % rid in w.text(mark)
    assert read_value(w, c, "/32769/0/0") == b"\x02"  # TLV: the integer in one byte
    assert read_value(w, c, "/32769/0/7") == b"temperature,voltage"

    # out of range, wrong type, an unknown sensor: 4.00, nothing changed
    ask(w, "write %d /32769/0/0 0" % c, r"/32769/0/0 : 4\.00")
    ask(w, "write %d /32769/0/6 1.5" % c, r"/32769/0/6 : 4\.00")
    ask(w, "write %d /32769/0/7 humidity" % c, r"/32769/0/7 : 4\.00")
    assert "applied" not in "\n".join(fw.lines)

    # observed, written, notified; applied at the start of the next cycle, then a reading
    mark = w.mark()
    w.command("observe %d /32769/0/0" % c)
    w.wait_line(r"Notify from client #%d /32769/0/0 number 0" % c, start=mark)
    at = len(fw.lines)
    ask(w, "write %d /32769/0/0 3" % c, r"/32769/0/0 : 2\.04")
    w.wait_line(r"Notify from client #%d /32769/0/0 number 1" % c, start=mark)
    fw.wait_log(r"settings: report_interval_s = 3 \(applied at the next cycle\)", start=at)
    applied = fw.wait_log(r"settings: applied report_interval_s = 3", start=at, timeout=30)
    i = fw.lines.index(applied.string)
    fw.wait_log(r"reading #\d+ queued", start=i + 1, timeout=30)
    assert read_value(w, c, "/32769/0/0") == b"\x03"
    mark = w.mark()

    # which sensors report: only the voltage from the next cycle; the temperature keeps
    # its last value
    at = len(fw.lines)
    ask(w, "write %d /32769/0/7 voltage" % c, r"/32769/0/7 : 2\.04")
    applied = fw.wait_log(r"settings: applied sensors = 'voltage'", start=at, timeout=30)
    i = fw.lines.index(applied.string)
    t1, v1 = read_value(w, c, "/3303/0/5700"), read_value(w, c, "/3316/0/5700")
    for _ in range(2):
        i = fw.lines.index(fw.wait_log(r"reading #\d+ queued", start=i + 1, timeout=30).string)
    assert read_value(w, c, "/3303/0/5700") == t1 and read_value(w, c, "/3316/0/5700") != v1

    # a setting survives a restart: persisted with the state
    assert fw.interrupt(timeout=60) == 0
    fw.lines.clear()
    fw.start()
    fw.wait_log(r"node: registered", timeout=60)
    assert not [x for x in fw.lines if "dropped" in x and "settings" in x]
    c2 = client_id(w, start=mark)
    assert read_value(w, c2, "/32769/0/0") == b"\x03"


def test_health_read_and_logged_at_registration(waka_factory, coap_node):
    w = waka_factory()
    sim, fw = coap_node(w.port, lifetime=60)
    c = client_id(w)
    m = fw.wait_log(r"health: registered: RSSI (-?\d+) dBm, IP (\S+)", timeout=60)
    assert -113 <= int(m.group(1)) <= -51 and m.group(2).count(".") == 3
    assert read_value(w, c, "/32770/0/0") == b"0.1.0"  # appversion.VERSION
    assert read_value(w, c, "/32770/0/1") == b"\x01"  # the first boot of this state
    assert int.from_bytes(read_value(w, c, "/32770/0/6"), "big", signed=True) == int(m.group(1))
    assert 0 < int.from_bytes(read_value(w, c, "/32770/0/5"), "big") < 256 * 1024
    mark = w.mark()
    ask(w, "read %d /32771/0" % c, r"/32771/0 : 2\.05")
    w.wait_line(r"ID: 6 type: Resource Value", start=mark)
    # requests answered: the reads so far, counted by the node itself
    assert int.from_bytes(read_value(w, c, "/32771/0/0"), "big") >= 5
    ask(w, "write %d /32770/0/0 x" % c, r"/32770/0/0 : 4\.05")  # read-only
    mark = w.mark()
    w.command("observe %d /32770/0/3" % c)  # uptime, notified every report cycle
    w.wait_line(r"Notify from client #%d /32770/0/3 number 2" % c, start=mark, timeout=60)


def _restart(fw):
    assert fw.interrupt(timeout=60) == 0
    fw.lines.clear()
    fw.start()


def test_update_corrupted_then_full(waka_factory, coap_node, tmp_path):
    import struct
    from tools import package, swpush
    w = waka_factory()
    sim, fw = coap_node(w.port, lifetime=60)
    c = client_id(w)
    fw.wait_log(r"node: registered", timeout=60)
    # a changed application: its simulated sensor starts at 30 degC, not 21
    with open(package.ROOT + "/firmware/sensors.py") as f:
        src = f.read().replace("else 21.0, -1e6", "else 30.0, -1e6")
    assert "else 30.0" in src
    _, data = package.build("2.0.0", str(tmp_path), sources={"sensors": src})

    # one block corrupted on the way: SHA-256 mismatch, Update Result 53, nothing switched
    assert swpush.push(w, c, data, "2.0.0", corrupt_at=len(data) // 2) == (0, 53)
    fw.wait_log(r"swupdate: package 2.0.0 refused: SHA-256 mismatch")
    ask(w, "exec %d /9/0/4" % c, r"/9/0/4 : 4\.05")
    ask(w, "exec %d /9/0/10" % c, r"/9/0/10 : 4\.05")

    # the whole package: downloaded and verified, installed, activated
    assert swpush.push(w, c, data, "2.0.0") == (4, 2)
    assert read_value(w, c, "/32770/0/0") == b"0.1.0"  # still the running one
    mark = w.mark()
    _restart(fw)
    fw.wait_log(r"swupdate: trying update 2.0.0 \(start 1 of 3\)")
    fw.wait_log(r"swupdate: update 2.0.0 confirmed: registered", timeout=60)
    c = client_id(w, start=mark)
    assert read_value(w, c, "/32770/0/0") == b"2.0.0"  # the new application says so
    assert swpush.read_int(w, c, "/9/0/7") == 4 and swpush.read_int(w, c, "/9/0/9") == 2
    assert read_value(w, c, "/9/0/12") == b"\x01"
    t = struct.unpack(">d", read_value(w, c, "/3303/0/5700"))[0]
    assert 25 < t < 35, t  # its sensor, not the old one's

    # and it stays: the next boot runs it without a trial
    mark = w.mark()
    _restart(fw)
    fw.wait_log(r"node: registered", timeout=60)
    assert not [x for x in fw.lines if "trying update" in x or "rolled back" in x]
    assert read_value(w, client_id(w, start=mark), "/32770/0/0") == b"2.0.0"


def test_update_that_crashes_is_rolled_back(waka_factory, coap_node, tmp_path):
    from tools import package, swpush
    w = waka_factory()
    sim, fw = coap_node(w.port, lifetime=60)
    c = client_id(w)
    fw.wait_log(r"node: registered", timeout=60)
    _, data = package.build("6.6.6", str(tmp_path),
                            sources={"app": "raise RuntimeError('broken application')\n"})
    assert swpush.push(w, c, data, "6.6.6") == (4, 2)
    assert fw.interrupt(timeout=60) == 0
    for n in (1, 2, 3):  # three starts that crash
        fw.lines.clear()
        fw.start()
        assert fw.wait(60) != 0
        assert "trying update 6.6.6 (start %d of 3)" % n in "\n".join(fw.lines)
        assert "broken application" in "\n".join(fw.lines)
    mark = w.mark()
    fw.lines.clear()
    fw.start()  # the fourth: the old application again
    fw.wait_log(r"swupdate: update 6.6.6 rolled back: did not register in 3 starts")
    fw.wait_log(r"node: registered", timeout=60)
    c = client_id(w, start=mark)
    assert read_value(w, c, "/32770/0/0") == b"0.1.0"
    assert swpush.read_int(w, c, "/9/0/7") == 0 and swpush.read_int(w, c, "/9/0/9") == 58

"""End to end against Eclipse Wakaama: Wakaama (lwm2mserver) -> the simulated BC66's CoAP
client -> the firmware on the MicroPython unix port, and back. Every assertion reads what
Wakaama printed."""
from coap_fixtures import ask, client_id

ENDPOINT = "urn:imei:867997030052996"


def test_registration_as_wakaama_prints_it(waka_factory, coap_node):
    w = waka_factory()
    sim, fw = coap_node(w.port, lifetime=60)
    client_id(w)
    shown = w.text()
    assert 'name: "%s"' % ENDPOINT in shown
    assert 'version: "1.0"' in shown
    assert "lifetime: 60 sec" in shown
    assert 'binding: "UDP, queue mode"' in shown
    objects = w.wait_line(r"objects: (.*)").group(1)
    for o in ("/1/0", "/3/0", "/3303/0", "/3316/0", "/19/0"):
        assert o + "," in objects


def test_full_session(waka_factory, coap_node):
    w = waka_factory()
    sim, fw = coap_node(w.port, lifetime=60)
    c = client_id(w)
    fw.wait_log(r"node: registered", timeout=60)

    # read of one resource: Wakaama asks TLV, the float comes back as 8 bytes
    _, out = ask(w, "read %d /3303/0/5700" % c, r"/3303/0/5700 : 2\.05")
    assert "ID: 5700 type: Resource Value" in out

    # read of an instance (TLV): every readable resource of 3303/0
    mark = w.mark()
    ask(w, "read %d /3303/0" % c, r"/3303/0 : 2\.05")
    w.wait_line(r"ID: 5750 type: Resource Value", start=mark)
    for rid in (5700, 5701, 5601, 5602):
        assert "ID: %d type: Resource Value" % rid in w.text(mark)

    # the module's own Device object
    mark = w.mark()
    ask(w, "read %d /3/0/0" % c, r"/3/0/0 : 2\.05")
    w.wait_line(r"Quectel", start=mark)

    # write in text, read back
    ask(w, "write %d /3303/0/5750 greenhouse-3" % c, r"/3303/0/5750 : 2\.04")
    mark = w.mark()
    ask(w, "read %d /3303/0/5750" % c, r"/3303/0/5750 : 2\.05")
    w.wait_line(r"greenhouse-3", start=mark)

    # write in TLV (Wakaama re-encodes JSON data to TLV), read back
    ask(w, 'write %d /3303/0 {"bn":"/3303/0/","e":[{"n":"5750","sv":"tlv-label"}]}' % c,
        r"/3303/0 : 2\.04")
    mark = w.mark()
    ask(w, "read %d /3303/0/5750" % c, r"/3303/0/5750 : 2\.05")
    w.wait_line(r"tlv-label", start=mark)

    # a read-only resource refuses a write
    ask(w, "write %d /3303/0/5700 99" % c, r"/3303/0/5700 : 4\.05")

    # execute
    ask(w, "exec %d /3303/0/5605" % c, r"/3303/0/5605 : 2\.04")

    # write-attributes (PUT with pmin/pmax) are accepted
    ask(w, "time %d /3303/0/5700 1 5" % c, r"/3303/0/5700 : 2\.04")

    # observe: the first answer, then at least two notifications, then cancel
    mark = w.mark()
    w.command("observe %d /3303/0/5700" % c)
    w.wait_line(r"Notify from client #%d /3303/0/5700 number 0" % c, start=mark)
    w.wait_line(r"Notify from client #%d /3303/0/5700 number 2" % c, start=mark, timeout=60)
    ask(w, "cancel %d /3303/0/5700" % c, r"/3303/0/5700 : ")
    n = len(sim.network.sent)
    mark = w.mark()
    fw.wait_log(r"reading #\d+ queued", start=len(fw.lines))
    fw.wait_log(r"reading #\d+ queued", start=len(fw.lines))
    assert "Notify from client #%d /3303/0/5700" % c not in w.text(mark)
    assert not [x for x in sim.network.sent[n:] if x[1].startswith("3303/0/5700")]

    # uplink on 19/0/0: the server observes it, the node's queued readings arrive
    sim.wait_for(lambda: any(n.path == "19/0/0" for n in sim.notifications), timeout=60)
    mark = w.mark()
    w.command("observe %d /19/0/0" % c)
    w.wait_line(r"Notify from client #%d /19/0/0 number 1" % c, start=mark, timeout=60)
    fw.wait_log(r"uplink #\d+ acknowledged", timeout=60)

    # downlink on 19/1/0: text "abc" reaches the application as bytes
    ask(w, "write %d /19/1/0 abc" % c, r"/19/1/0 : 2\.04")
    fw.wait_log(r"downlink 3 bytes: 616263", timeout=30)

    # lifetime update: the server writes 1/0/1, the module updates with lt=
    mark = w.mark()
    ask(w, "write %d /1/0/1 45" % c, r"/1/0/1 : 2\.04")
    w.wait_line(r"lifetime: 45 sec", start=mark)

    # the server's registration update trigger (note 5.7.1)
    mark = w.mark()
    ask(w, "exec %d /1/0/8" % c, r"/1/0/8 : 2\.04")
    w.wait_line(r"Client #%d updated" % c, start=mark)

    # de-registration: Ctrl-C on the firmware
    mark = w.mark()
    assert fw.interrupt(timeout=60) == 0
    w.wait_line(r"Client #%d unregistered" % c, start=mark)

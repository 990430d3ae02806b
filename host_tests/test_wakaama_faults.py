"""Network faults on the CoAP side, against Eclipse Wakaama, with the firmware on the unix
port behind the simulated BC66: the server down at registration, lost datagrams, a server
restart. Waits are on printed lines and logged events, never on guessed times."""
from aiocoap import Message

from tools import wakaama
from coap_fixtures import ask, client_id


def test_server_down_at_registration_then_up(waka_factory, coap_node):
    port = wakaama.free_udp_port()
    sim, fw = coap_node(port, lifetime=60)
    # nobody answers: the module retransmits, gives up (+QLWREG: 1), the node backs off
    # and registers again
    sim.wait_for(lambda: sim.commands.count("AT+QLWREG") >= 2, timeout=60)
    text = "\n".join(sim.transcript.lines)
    assert "+QLWREG: 1" in text
    assert "retransmission 4 of MID" in text
    w = waka_factory(port)
    c = client_id(w, timeout=60)
    fw.wait_log(r"node: registered", timeout=60)
    ask(w, "read %d /3303/0/5700" % c, r"/3303/0/5700 : 2\.05")


def test_lost_datagrams_retransmission_then_failed_report_ack(waka_factory, coap_node,
                                                              udp_proxy):
    w = waka_factory()
    proxy = udp_proxy(w.port)
    sim, fw = coap_node(proxy.port, lifetime=300)
    c = client_id(w)
    fw.wait_log(r"node: registered", timeout=60)
    # 19/0/0 has a value once the node sent its first uplink: then the server observes it
    sim.wait_for(lambda: any(n.path == "19/0/0" for n in sim.notifications), timeout=60)
    mark = w.mark()
    w.command("observe %d /19/0/0" % c)
    w.wait_line(r"Notify from client #%d /19/0/0 number 1" % c, start=mark, timeout=60)
    assert (19, 0, 0) in sim.network.observations

    proxy.drop_up = True                     # the module's datagrams are lost from now on
    n0 = len(sim.notifications)
    lost = sim.wait_for(lambda: next((n for n in sim.notifications[n0:]
                                      if n.path == "19/0/0" and n.acked is False), None),
                        timeout=60)
    # the notification went out 1 + 4 times (AT+QLWCFG="retransmit",2,4), all lost
    mids = [Message.decode(d).mid for d, dropped in proxy.up if dropped]
    assert mids.count(lost.msgid) == 5, mids
    assert '+QLWURC: "report_ack",1,%d' % lost.msgid in "".join(sim.transcript.lines) \
        .replace("\\r\\n", "")
    fw.wait_log(r"uplink #\d+ not acknowledged", timeout=30)

    proxy.drop_up = False                    # the link is back: the queued readings arrive
    mark = w.mark()
    w.wait_line(r"Notify from client #%d /19/0/0" % c, start=mark, timeout=60)
    fw.wait_log(r"uplink #\d+ acknowledged", start=len(fw.lines) - 1, timeout=60)


def test_server_restart_registers_again_and_observes_again(waka_factory, coap_node):
    w1 = waka_factory()
    sim, fw = coap_node(w1.port, lifetime=30)
    c = client_id(w1)
    mark = w1.mark()
    w1.command("observe %d /3303/0/5700" % c)
    w1.wait_line(r"Notify from client #%d /3303/0/5700 number 1" % c, start=mark, timeout=60)

    w1.stop()                                # the server restarts: it forgot the client
    w2 = waka_factory(w1.port)
    # the module's next update gets 4.04: it registers again by itself
    c2 = client_id(w2, timeout=60)
    fw.wait_log(r"update failed \(status 14\)", timeout=30)      # 4.04: Not found
    assert any('"ping",14' in line for line in sim.transcript.lines)
    # the old observation died with the old registration (no notification to a stale
    # token); the new server observes again and notifications flow on the new one
    assert (3303, 0, 5700) not in sim.network.observations
    mark = w2.mark()
    w2.command("observe %d /3303/0/5700" % c2)
    w2.wait_line(r"Notify from client #%d /3303/0/5700 number 0" % c2, start=mark)
    w2.wait_line(r"Notify from client #%d /3303/0/5700 number 2" % c2, start=mark,
                 timeout=60)

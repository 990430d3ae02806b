"""The simulated BC66's CoAP side against a scripted LwM2M server in the test (raw CoAP
datagrams built with aiocoap's Message): what a registration carries, content formats
chosen by Accept / Content-Format, 4.06 / 4.15, write-attributes, built-in objects,
duplicate requests answered once, PSK mode refused. The firmware answers behind it."""
import json

from aiocoap import CON, Message
from aiocoap.numbers.codes import Code

from coap_fixtures import ScriptedServer

ENDPOINT = "urn:imei:867997030052996"


def test_formats_codes_and_builtins(coap_node):
    srv = ScriptedServer()
    try:
        sim, fw = coap_node(srv.port, lifetime=60)
        reg = srv.accept_registration()
        q = dict(x.split("=", 1) for x in reg.opt.uri_query)
        assert q == {"ep": ENDPOINT, "lt": "60", "lwm2m": "1.0", "b": "UQ"}
        assert int(reg.opt.content_format) == 40
        links = reg.payload.decode().split(",")
        assert links[:2] == ["</1/0>", "</3/0>"]
        assert {"</3303/0>", "</3316/0>", "</19/0>", "</19/1>"} <= set(links)
        # the node applies its binding with an update (AT+QLWUPDATE=1,1), which the
        # server answers, as any server does
        srv.answer_updates_until(lambda: any("node: registered" in s for s in fw.lines), 60)

        # no Accept: plain text for one resource
        r = srv.request(Code.GET, "3303/0/5700")
        assert r.code == Code.CONTENT and int(r.opt.content_format) == 0
        temp = float(r.payload.decode())
        # LwM2M JSON when asked for
        r = srv.request(Code.GET, "3303/0", accept=11543)
        assert r.code == Code.CONTENT and int(r.opt.content_format) == 11543
        doc = json.loads(r.payload)
        assert doc["bn"] == "/3303/0/"
        entries = {e["n"]: e for e in doc["e"]}
        assert abs(entries["5700"]["v"] - temp) < 50 and entries["5701"]["sv"] == "Cel"
        # formats that cannot carry the answer / are unknown
        assert srv.request(Code.GET, "3303/0", accept=0).code == Code.NOT_ACCEPTABLE
        assert srv.request(Code.GET, "3303/0/5700", accept=50).code == Code.NOT_ACCEPTABLE
        assert srv.request(Code.PUT, "3303/0/5750", b"{}", cf=50).code == \
            Code.UNSUPPORTED_CONTENT_FORMAT
        assert srv.request(Code.PUT, "3303/0/5750", b"\xc8", cf=11542).code == \
            Code.BAD_REQUEST
        # a JSON write, read back as text
        body = b'{"bn":"/3303/0/","e":[{"n":"5750","sv":"by-json"}]}'
        assert srv.request(Code.PUT, "3303/0", body, cf=11543).code == Code.CHANGED
        assert srv.request(Code.GET, "3303/0/5750").payload == b"by-json"
        # a TLV write of an instance: one write URC per resource, in order; the first
        # refusal is the answer (5700 is read-only: 4.05), 5750 was written before it
        from tools.bc66sim import tlv
        body = tlv.encode([tlv.TLV(tlv.RESOURCE, 5750, b"two-urcs"),
                           tlv.TLV(tlv.RESOURCE, 5700, tlv.encode_float(1.5))])
        n = sum(1 for c in sim.transcript.lines if '+QLWURC: "write"' in c)
        r = srv.request(Code.PUT, "3303/0", body, cf=11542)
        assert r.code == Code.METHOD_NOT_ALLOWED
        writes = [c for c in sim.transcript.lines if '+QLWURC: "write"' in c][n:]
        assert [w.split(",")[4] for w in writes] == ["5750", "5700"], writes
        assert srv.request(Code.GET, "3303/0/5750").payload == b"two-urcs"
        # write-attributes are accepted
        r = srv.request(Code.PUT, "3303/0/5700", query=("pmin=1", "pmax=5"))
        assert r.code == Code.CHANGED
        # the module's own objects
        assert srv.request(Code.GET, "3/0/0").payload == b"Quectel"
        assert srv.request(Code.GET, "3/0/2").payload == b"867997030052996"
        assert srv.request(Code.GET, "1/0/1").payload == b"60"
        # registered in the module's UQ, then the configured binding (U) by an update
        assert any("b=U" in u.opt.uri_query for u in srv.updates), srv.updates
        assert srv.request(Code.GET, "1/0/7").payload == b"U"
        assert srv.request(Code.GET, "5/0/0").code == Code.NOT_FOUND
        assert srv.request(Code.GET, "4242/0/1").code == Code.NOT_FOUND
        # a retransmitted request (same message id) is answered again, asked once
        srv.mid += 1
        dup = Message(code=Code.GET, uri_path=("3303", "0", "5701"))
        dup.mtype, dup.mid, dup.token = CON, srv.mid, b"\x77"
        asked = sum(1 for c in sim.commands if c.startswith("AT+QLWRDRSP"))
        first = srv.request(None, "", raw=dup.encode())
        again = srv.request(None, "", raw=dup.encode())
        def fields(m):
            return m.code, m.mid, m.token, m.payload, m.opt.content_format
        assert fields(first) == fields(again) and first.payload == b"Cel"
        assert sum(1 for c in sim.commands if c.startswith("AT+QLWRDRSP")) == asked + 1
        # 1/0/8: the registration update trigger (note 5.7.1)
        n = len(srv.updates)
        assert srv.request(Code.POST, "1/0/8").code == Code.CHANGED
        while len(srv.updates) == n:
            srv.request(Code.GET, "3/0/1")
        assert srv.updates[-1].opt.uri_query == ()
    finally:
        srv.close()


def test_psk_mode_is_refused_with_a_clear_error(coap_node):
    srv = ScriptedServer()
    try:
        sim, fw = coap_node(srv.port, security="psk", psk_id="node-1",
                            psk="000102030405060708090A0B0C0D0E0F")
        sim.wait_for(lambda: any("+QLWREG: 1" in x for x in sim.transcript.lines), 30)
        text = "\n".join(sim.transcript.lines)
        assert "PSK mode (security 0) needs DTLS" in text
        assert "000102030405060708090A0B0C0D0E0F" not in text
    finally:
        srv.close()

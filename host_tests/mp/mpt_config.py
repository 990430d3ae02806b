# lwm2m.config on the unix port: note ranges, AT-safe strings, the PSK never leaks.
# Cases are JSON text (cheap to compile) and the code is terse: this module and the
# module under test are both compiled from source in a 48 KB heap.
import json
from lwm2m import config
from lwm2m.config import ConfigError, from_dict

PSK = "DEADBEEF00112233"
# [overrides of {"server": {"host": "h"}}, expected "field: rule"]
BAD = """[
[{"server": {}}, "server.host: is required"],
[{"server": {"host": ""}}, "server.host: is required"],
[{"server": {"host": "a b"}}, "server.host: must be a host name or IP address"],
[{"server": {"host": 5}}, "server.host: must be a string of at most 150 bytes"],
[{"server": {"host": "h", "port": -1}}, "server.port: must be an integer 0..65535"],
[{"server": {"host": "h", "port": 5683.0}}, "server.port: must be an integer 0..65535"],
[{"server": {"host": "h", "port": true}}, "server.port: must be an integer 0..65535"],
[{"server": {"host": "h", "bootstrap": 1}}, "server.bootstrap: must be true or false"],
[{"server": {"host": "h", "prot": 1}}, "server.prot: unknown key"],
[{"lifetme": 900}, "lifetme: unknown key"],
[{"lifetime": 19}, "lifetime: must be an integer 20..31536000"],
[{"endpoint": ""}, "endpoint: must not be empty"],
[{"security": "dtls"}, "security: must be one of psk, none"],
[{"security": "psk", "psk": "AB"}, "psk_id: is required when security is psk"],
[{"security": "psk", "psk_id": "x"}, "psk: is required when security is psk"],
[{"binding": "T"}, "binding: must be one of U, UQ"],
[{"qlwcfg": {"auto_reg": 2}}, "qlwcfg.auto_reg: must be an integer 0..1"],
[{"qlwcfg": {"rai_enable": true}}, "qlwcfg.rai_enable: must be an integer 0..1"],
[{"qlwcfg": {"auto_regg": 1}}, "qlwcfg.auto_regg: unknown key"],
[{"qlwcfg": 1}, "qlwcfg: must be an object"],
[{"report_interval_s": 0}, "report_interval_s: must be an integer >= 1"],
[{"network_timeout_s": 0}, "network_timeout_s: must be an integer 1..86400"],
[{"objects": []}, "objects: must be a non-empty list of temperature, voltage, bindata"],
[{"objects": ["voltage", "humidity"]}, "objects: must be a list of distinct temperature, voltage, bindata"],
[{"backoff": {"base_s": 100, "cap_s": 50}}, "backoff.cap_s: must be >= backoff.base_s"],
[{"backoff": {"jitter": 1.5}}, "backoff.jitter: must be a number 0..1"],
[{"backoff": {"base_s": false}}, "backoff.base_s: must be a number 1..86400"],
[{"duty_cycle": {"enabled": "yes"}}, "duty_cycle.enabled: must be true or false"],
[{"state_dir": 1}, "state_dir: must be a string of at most 100 bytes"],
[{"qlwcfg": {"retransmit": [0, 4]}}, "RT"], [{"qlwcfg": {"retransmit": [21, 4]}}, "RT"],
[{"qlwcfg": {"retransmit": [2, 9]}}, "RT"], [{"qlwcfg": {"retransmit": [2]}}, "RT"],
[{"qlwcfg": {"retransmit": [2.0, 4]}}, "RT"], [{"qlwcfg": {"retransmit": "2,4"}}, "RT"]]"""
RT = "qlwcfg.retransmit: must be [ack_timeout 1..20, max 0..8]"
GOOD = """[{"lifetime": 20}, {"lifetime": 31536000}, {"report_interval_s": 1},
{"server": {"host": "h", "port": 0, "bootstrap": true}}, {"server": {"host": "h", "port": 65535}},
{"binding": "UQ"}, {"objects": ["voltage"]}, {"qlwcfg": {"retransmit": [1, 0]}},
{"qlwcfg": {"retransmit": [20, 8]}}, {"backoff": {"base_s": 5, "cap_s": 5, "jitter": 1}}]"""


def cfg(**kw):
    d = {"server": {"host": "h"}}
    d.update(kw)
    return d


def psk_cfg(**kw):
    d = cfg(security="psk", psk_id="node-1", psk=PSK)
    d.update(kw)
    return d


def err(d):
    try:
        from_dict(d)
    except ConfigError as e:
        assert str(e) == "%s: %s" % (e.field, e.rule)
        return str(e)
    raise AssertionError("accepted: %r" % (d,))


def test_example_file_and_defaults():
    c = config.load("firmware/config.example.json")
    assert c.objects == ("temperature", "voltage", "bindata") and c.binding == "U"
    a = c.qlwconfig_args("866971030000717")
    assert a == (0, "lwm2m.example.net", 5683, "urn:imei:866971030000717", 900, 3, None, None), a
    c = from_dict(cfg())
    assert (c.port, c.bootstrap, c.endpoint, c.lifetime, c.security) == (5683, False, None, 900, "none")
    assert c.psk is None and c.psk_id is None and c.state_dir == "state"
    assert (c.backoff_base_s, c.backoff_cap_s, c.backoff_jitter) == (30, 3600, 0.5)


def test_rejects_each_rule_naming_the_field():
    for over, msg in json.loads(BAD):
        d = cfg()
        d.update(over)
        assert err(d) == (RT if msg == "RT" else msg), (over, err(d))
    assert err([1]) == "config: must be a JSON object"


def test_boundaries_accepted():
    for over in json.loads(GOOD):
        d = cfg()
        d.update(over)
        from_dict(d)
    assert err(cfg(server={"host": "h" * 151})) == "server.host: must be a string of at most 150 bytes"
    from_dict(cfg(server={"host": "h" * 150}, endpoint="\u00e9" * 75))  # UTF-8 bytes
    assert err(cfg(endpoint="\u00e9" * 76)) == "endpoint: must be a string of at most 150 bytes"


def test_at_injection_rejected():
    rule = ": must not contain quotes or control characters"
    for s in ('a"b', "a\rb", "a\nb", "a\x01b", "a\x7fb", "a\tb", "a\x00b"):
        assert err(cfg(server={"host": s})) == "server.host" + rule, s
        assert err(cfg(endpoint=s)) == "endpoint" + rule
        assert err(psk_cfg(psk_id=s)) == "psk_id" + rule


def test_psk_args_format_and_no_leak():
    c = from_dict(psk_cfg(endpoint="ep", server={"host": "h", "bootstrap": True}))
    assert c.qlwconfig_args() == (1, "h", 5683, "ep", 900, 0, "node-1", PSK)
    assert from_dict(psk_cfg(psk="ab" * 128)).psk == "ab" * 128
    assert from_dict(cfg(psk_id="x", psk=PSK)).qlwconfig_args("1")[5:] == (3, None, None)
    for bad in ("ABC", "GG", "", "A" * 258, 1234, 'AB"C', PSK + "0", PSK + "ZZ"):
        assert err(psk_cfg(psk=bad)) == "psk: must be an even-length hex string of at most 256 chars"
    for d in (psk_cfg(lifetime=1), psk_cfg(psk_id='"x'), psk_cfg(bogus=1)):
        assert PSK[:8] not in err(d)
    assert PSK not in repr(c) and "***" in repr(c)
    from bc66 import log
    out = []
    log.sink = out.append
    try:
        log.log(log.ERROR, "cfg", log.redact('%d,"%s",%d,"%s",%d,%d,"%s","%s"' % c.qlwconfig_args(), c.psk))
    finally:
        log.sink = None
    assert PSK not in out[0] and out[0].endswith(',"node-1","***"'), out


def test_endpoint_from_imei_and_cfg_items():
    c = from_dict(cfg(qlwcfg={"auto_reg": 1, "retransmit": [20, 8]}))
    assert c.qlwconfig_args("866971030000717")[3] == "urn:imei:866971030000717"
    for bad in (None, "", "12a", 123, '1"'):
        try:
            c.qlwconfig_args(bad)
            raise AssertionError(bad)
        except ConfigError as e:
            assert e.field == "imei"
    it = c.cfg_items()
    assert tuple(k for k, _ in it) == config.CFG_KEYS
    assert it[0] == ("auto_reg", (1,)) and it[3] == ("retransmit", (20, 8)) and it[7][1] == (0,)


def test_load_errors():
    p = "/tmp/mpt_config.json"
    with open(p, "w") as f:
        f.write('{"server": {"host": "h"}, "psk": "%s"' % PSK)
    for path, rule in ((p, "is not valid JSON"), (p + ".none", "cannot be read")):
        try:
            config.load(path)
            raise AssertionError
        except ConfigError as e:
            assert str(e) == path + ": " + rule and PSK not in str(e)

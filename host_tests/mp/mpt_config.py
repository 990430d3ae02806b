# lwm2m.config on the unix port: note ranges, AT-safe strings, the PSK never leaks.
# Terse on purpose: this module and lwm2m/config.py compiled from source only just fit a
# 48 KB heap on the 64-bit unix port, so build/mpy/lib (`make mpy`, what boards run) is
# used when it is fresh.
import json
import os
import sys

_lib = ([p for p in sys.path if p.startswith("build/mpy") and p.endswith("/lib")]
        + ["build/mpy/lib"])[0]  # build/mpy-x86/lib on the 32-bit port
try:
    if os.stat(_lib + "/lwm2m/config.mpy")[8] >= os.stat("lib/lwm2m/config.py")[8]:
        sys.path.insert(1, _lib)
except OSError:
    pass
from lwm2m import config  # noqa: E402
from lwm2m.config import ConfigError, from_dict  # noqa: E402

PSK = "DEADBEEF00112233"
# Cases live in comments, read by cases(): they cost no heap until a test reads them.
# BAD: [overrides of {"server": {"host": "h"}}, expected "field: rule"] ("RT": see RT)
# BAD [{"server": {}}, "server.host: is required"]
# BAD [{"server": {"host": ""}}, "server.host: is required"]
# BAD [{"server": {"host": "a b"}}, "server.host: must be a host name or IP address"]
# BAD [{"server": {"host": 5}}, "server.host: must be a string of at most 150 bytes"]
# BAD [{"server": {"host": "h", "port": -1}}, "server.port: must be an integer 0..65535"]
# BAD [{"server": {"host": "h", "port": true}}, "server.port: must be an integer 0..65535"]
# BAD [{"server": {"host": "h", "bootstrap": 1}}, "server.bootstrap: must be true or false"]
# BAD [{"server": {"host": "h", "prot": 1}}, "server.prot: unknown key"]
# BAD [{"lifetme": 900}, "lifetme: unknown key"]
# BAD [{"server.host": "x"}, "server.host: unknown key"]
# BAD [{"lifetime": 19}, "lifetime: must be an integer 20..31536000"]
# BAD [{"report_interval_s": 100000000000000000000}, "report_interval_s: must be an integer 1..536870"]
# BAD [{"report_interval_s": 536871}, "report_interval_s: must be an integer 1..536870"]
# BAD [{"endpoint": ""}, "endpoint: must not be empty"]
# BAD [{"security": "dtls"}, "security: must be one of psk, none"]
# BAD [{"security": "psk", "psk": "AB"}, "psk_id: is required when security is psk"]
# BAD [{"binding": "T"}, "binding: must be one of U, UQ"]
# BAD [{"qlwcfg": {"auto_reg": 2}}, "qlwcfg.auto_reg: must be an integer 0..1"]
# BAD [{"qlwcfg": {"rai_enable": true}}, "qlwcfg.rai_enable: must be an integer 0..1"]
# BAD [{"qlwcfg": 1}, "qlwcfg: must be an object"]
# BAD [{"report_interval_s": 0}, "report_interval_s: must be an integer 1..536870"]
# BAD [{"objects": []}, "objects: must be a non-empty list of distinct temperature, voltage, bindata"]
# BAD [{"objects": ["voltage", "humidity"]}, "objects: must be a non-empty list of distinct temperature, voltage, bindata"]
# BAD [{"backoff": {"base_s": 100, "cap_s": 50}}, "backoff.cap_s: must be >= backoff.base_s"]
# BAD [{"backoff": {"jitter": 1.5}}, "backoff.jitter: must be a number 0..1"]
# BAD [{"backoff": {"base_s": false}}, "backoff.base_s: must be a number 1..86400"]
# BAD [{"state_dir": 1}, "state_dir: must be a string of at most 255 bytes"]
# BAD [{"qlwcfg": {"retransmit": [0, 4]}}, "RT"]
# BAD [{"qlwcfg": {"retransmit": [21, 4]}}, "RT"]
# BAD [{"qlwcfg": {"retransmit": [2, 9]}}, "RT"]
# BAD [{"qlwcfg": {"retransmit": [2.0, 4]}}, "RT"]
# BAD [{"server": {"host": "h", "port": 65536}}, "server.port: must be an integer 0..65535"]
# BAD [{"server": {"host": "h", "port": "5683"}}, "server.port: must be an integer 0..65535"]
# BAD [{"server": {"host": "h", "port": 5683.0}}, "server.port: must be an integer 0..65535"]
# BAD [{"server": {"host": "a,b"}}, "server.host: must be a host name or IP address"]
# BAD [{"lifetime": 31536001}, "lifetime: must be an integer 20..31536000"]
# BAD [{"lifetime": "900"}, "lifetime: must be an integer 20..31536000"]
# BAD [{"endpoint": 7}, "endpoint: must be a string of at most 150 bytes"]
# BAD [{"security": "psk", "psk_id": "x"}, "psk: is required when security is psk"]
# BAD [{"psk_id": ["x"]}, "psk_id: must be a string of at most 150 bytes"]
# BAD [{"qlwcfg": {"per_regstatus_feat": -1}}, "qlwcfg.per_regstatus_feat: must be an integer 0..1"]
# BAD [{"qlwcfg": {"auto_ack": 2}}, "qlwcfg.auto_ack: must be an integer 0..1"]
# BAD [{"qlwcfg": {"access_mode": 2}}, "qlwcfg.access_mode: must be an integer 0..1"]
# BAD [{"qlwcfg": {"recovery_mode": 2}}, "qlwcfg.recovery_mode: must be an integer 0..1"]
# BAD [{"qlwcfg": {"retransmit_mode": 2}}, "qlwcfg.retransmit_mode: must be an integer 0..1"]
# BAD [{"qlwcfg": {"auto_regg": 1}}, "qlwcfg.auto_regg: unknown key"]
# BAD [{"qlwcfg": {"retransmit": [2]}}, "RT"]
# BAD [{"qlwcfg": {"retransmit": [2, 4, 1]}}, "RT"]
# BAD [{"qlwcfg": {"retransmit": "2,4"}}, "RT"]
# BAD [{"network_timeout_s": 0}, "network_timeout_s: must be an integer 1..86400"]
# BAD [{"register_timeout_s": 3601}, "register_timeout_s: must be an integer 1..3600"]
# BAD [{"cfun_timeout_s": 0}, "cfun_timeout_s: must be an integer 1..300"]
# BAD [{"duty_cycle": {"notify_timeout_s": 301}}, "duty_cycle.notify_timeout_s: must be an integer 1..300"]
# BAD [{"duty_cycle": {"notify_timeout_s": 2.5}}, "duty_cycle.notify_timeout_s: must be an integer 1..300"]
# BAD [{"objects": "voltage"}, "objects: must be a non-empty list of distinct temperature, voltage, bindata"]
# BAD [{"objects": ["voltage", "voltage"]}, "objects: must be a non-empty list of distinct temperature, voltage, bindata"]
# BAD [{"backoff": {"factor": 0.5}}, "backoff.factor: must be a number 1..10"]
# BAD [{"backoff": 2}, "backoff: must be an object"]
# BAD [{"duty_cycle": {"enabled": "yes"}}, "duty_cycle.enabled: must be true or false"]
# BAD [{"duty_cycle": {"sleep_s": 0}}, "duty_cycle.sleep_s: must be an integer 1..31536000"]
# BAD [{"objects": [["voltage"]]}, "objects: must be a non-empty list of distinct temperature, voltage, bindata"]
# BAD [{"objects": [1]}, "objects: must be a non-empty list of distinct temperature, voltage, bindata"]
# BAD [{"module_power_off": "always"}, "module_power_off: must be one of never, stop"]
# BAD [{"module_power_off": true}, "module_power_off: must be one of never, stop"]
# BAD [{"server": {"host": "http://h:80"}}, "server.host: must be a host, or coap://host[:port] or coaps://host[:port] (port 0..65535)"]
# BAD [{"server": {"host": "coap://h:80/rd"}}, "server.host: must be a host, or coap://host[:port] or coaps://host[:port] (port 0..65535)"]
# BAD [{"server": {"host": "coap://h:x"}}, "server.host: must be a host, or coap://host[:port] or coaps://host[:port] (port 0..65535)"]
# BAD [{"server": {"host": "coap://h:65536"}}, "server.host: must be a host, or coap://host[:port] or coaps://host[:port] (port 0..65535)"]
# BAD [{"server": {"host": "coap://:5683"}}, "server.host: must be a host, or coap://host[:port] or coaps://host[:port] (port 0..65535)"]
# BAD [{"server": {"host": "coap://[::1"}}, "server.host: must be a host, or coap://host[:port] or coaps://host[:port] (port 0..65535)"]
# BAD [{"server": {"host": "coap://user@h"}}, "server.host: must be a host, or coap://host[:port] or coaps://host[:port] (port 0..65535)"]
# BAD [{"server": {"host": "coap://h:5690", "port": 5683}}, "server.port: differs from the port in server.host"]
# BAD [{"server": {"host": "coaps://h"}}, "security: must be psk for a coaps:// server"]
# BAD [{"server": {"host": "coap://h"}, "security": "psk", "psk_id": "i", "psk": "AB"}, "security: must be none for a coap:// server"]
# GOOD: overrides that must be accepted
# GOOD {"lifetime": 20}
# GOOD {"lifetime": 31536000}
# GOOD {"report_interval_s": 1}
# GOOD {"server": {"host": "h", "port": 0, "bootstrap": true}}
# GOOD {"server": {"host": "h", "port": 65535}}
# GOOD {"binding": "UQ"}
# GOOD {"objects": ["voltage"]}
# GOOD {"qlwcfg": {"retransmit": [1, 0]}}
# GOOD {"qlwcfg": {"retransmit": [20, 8]}}
# GOOD {"backoff": {"base_s": 5, "cap_s": 5, "jitter": 1}}
# GOOD {"backoff": {"base_s": 1.5, "factor": 1, "jitter": 0}}
# GOOD {"duty_cycle": {"enabled": true, "sleep_s": 1}}
# GOOD {"qlwcfg": {"auto_reg": 1, "per_regstatus_feat": 1, "rai_enable": 1, "auto_ack": 1, "access_mode": 1, "recovery_mode": 1, "retransmit_mode": 1}}
# GOOD {"endpoint": null, "psk": null, "lifetime": null}
RT = "qlwcfg.retransmit: must be [ack_timeout 1..20, max 0..8]"


def cases(tag):
    with open("host_tests/mp/mpt_config.py") as f:  # the source: the tests run in the repo
        for line in f:
            if line.startswith(tag):
                yield json.loads(line[len(tag):])


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
    a = c.qlwconfig_args("866971030000710")
    assert a == (0, "lwm2m.example.net", 5683, "urn:imei:866971030000710", 900, 3, None, None), a
    c = from_dict(cfg())
    assert (c.port, c.bootstrap, c.endpoint, c.lifetime, c.security) == (5683, False, None, 900, "none")
    assert c.psk is None and c.psk_id is None and c.state_dir == "state"
    assert (c.backoff_base_s, c.backoff_cap_s, c.backoff_jitter) == (30, 3600, 0.5)
    assert (c.cfun_timeout_s, c.duty_cycle_notify_timeout_s) == (85, 20)


def test_rejects_each_rule_naming_the_field():
    n = 0
    for over, msg in cases("# BAD "):
        n += 1
        d = cfg()
        d.update(over)
        assert err(d) == (RT if msg == "RT" else msg), (over, err(d))
    assert n > 50 and err([1]) == "config: must be a JSON object"


def test_server_uri_parsed():
    # issue 17: a server string in URI form is parsed (not taken for a host name)
    for host, want in (("coap://leshan.example.net:5690", ("leshan.example.net", 5690)),
                       ("COAP://h/", ("h", 5683)), ("coap://[2001:db8::1]:61", ("2001:db8::1", 61)),
                       ("coap://10.0.0.1", ("10.0.0.1", 5683))):
        c = from_dict(cfg(server={"host": host}))
        assert (c.host, c.port) == want, (host, c.host, c.port)
    c = from_dict(psk_cfg(server={"host": "coaps://h", "port": 5684}))
    assert (c.host, c.port, c.security_mode) == ("h", 5684, 0)
    assert c.qlwconfig_args("866971030000710")[1:3] == ("h", 5684)
    assert from_dict(cfg()).module_power_off == "never"
    assert from_dict(cfg(module_power_off="stop")).module_power_off == "stop"


def test_boundaries_accepted():
    for over in cases("# GOOD "):
        d = cfg()
        d.update(over)
        from_dict(d)
    assert err(cfg(server={"host": "h" * 151})) == "server.host: must be a string of at most 150 bytes"
    from_dict(cfg(server={"host": "h" * 150}, endpoint="\u00e9" * 75))  # UTF-8 bytes
    assert err(cfg(endpoint="\u00e9" * 76)) == "endpoint: must be a string of at most 150 bytes"
    # a PC's state folder under a clone at a long path (make demo's build/demo/state)
    from_dict(cfg(state_dir="/" + "d" * 254))
    assert err(cfg(state_dir="/" + "d" * 255)) == "state_dir: must be a string of at most 255 bytes"


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
    assert from_dict(cfg(psk_id="x", psk=PSK)).qlwconfig_args("866971030000710")[5:] == (3, None, None)
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
    assert c.qlwconfig_args("866971030000710")[3] == "urn:imei:866971030000710"
    # issue 21 item 3: 15 digits and the Luhn digit; one garbled, lost or doubled digit
    # of 867997030052996 is refused
    assert config.imei_ok("867997030052996") and config.imei_ok("490154203237518")
    for bad in (None, "", "12a", 123, '1"', "86797030052996", "8679970300529966",
                "867997030052995", "867997030052969", "866971030000717", "86799703005299a"):
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


def test_load_not_utf8_names_the_problem():
    # issue 21 item 1: bytes that are not UTF-8 are a ConfigError naming the file, never a
    # UnicodeError; a UTF-8 byte order mark is read past
    p = "/tmp/mpt_config_enc.json"
    cases = ((b'{"server":{"host":"caf\xe9"}}', "is not UTF-8 text"),
             (b'\xff\xfe{\x00"\x00s\x00', "is UTF-16 text, not UTF-8"),
             (b'\xfe\xff\x00{\x00"', "is UTF-16 text, not UTF-8"),
             (b'{"server":{"host":"h"},"psk":"\x80%s"}' % PSK.encode(), "is not UTF-8 text"))
    for raw, rule in cases:
        with open(p, "wb") as f:
            f.write(raw)
        try:
            config.load(p)
            raise AssertionError(raw)
        except ConfigError as e:
            assert str(e) == p + ": " + rule and PSK not in str(e), (raw, str(e))
    with open(p, "wb") as f:
        f.write(b'\xef\xbb\xbf{"server": {"host": "h\xc3\xa9"}}')
    assert config.load(p).host == "h\u00e9"

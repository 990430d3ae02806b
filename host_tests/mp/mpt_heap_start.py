# What the node holds in its heap at start (issue 20's heap budget): on the Cortex-M board a
# frozen module's functions, classes and tables take heap once imported, constant tables
# stay in flash (docs/benchmark-notes.md "Heap at start on the Cortex-M3, cut by cut").
import sys
import fakeapi as fa
fa.prefer_mpy()
from lwm2m.objects import Model  # noqa: E402
from lwm2m.swupdate import SwUpdate  # noqa: E402


def test_object_9_imports_its_install_code_at_the_first_write():
    # object 9's download/install code (lwm2m.swinstall) comes with the server's first
    # write or execute on 9/0, not with the object: a node never updated does not hold it
    md = Model(fa.FakeModem())
    u = SwUpdate(md, "/tmp/mpt_heap_start_pkg")
    u.check(True)  # the end of a report cycle
    assert "lwm2m.swinstall" not in sys.modules
    assert all(md.objs[9].handlers[rid] == u.handle for rid in (0, 1, 2, 4, 6, 10, 11))
    assert u.handle(0, 0, "app") is None and u.rec.get("name") == "app"  # 9/0/0 written
    assert "lwm2m.swinstall" in sys.modules


def test_declared_tables_say_what_the_named_constants_say():
    # settings, health, object 9 and the IPSO shapes write their resource tables with
    # constants of their own module (so each table is a constant in flash, not built in
    # the heap): the same values as lwm2m.objects' R, W, X and the value types
    from lwm2m.objects import R, W, X, T_STRING as S, T_OPAQUE as O, T_INTEGER as I, \
        T_FLOAT as F, T_BOOLEAN as B
    from lwm2m import config, ipso, store
    from lwm2m.settings import Settings, TABLE
    from lwm2m.health import Health, COUNTER_KEYS
    md = Model(fa.FakeModem())
    Settings(md, config.from_dict({"server": {"host": "h"}}),
             store.State("/tmp/mpt_heap_start.json"), ("temperature",))
    Health(md, "1.0", 1, lambda: {}, measure=False)
    SwUpdate(md, "/tmp/mpt_heap_start_pkg")
    ipso.temperature(md)
    ipso.sensor(md, "digital_input")
    ipso.bindata(md)
    t = {oid: o.table for oid, o in md.objs.items()}
    assert t[32769] == tuple((rid, ty, R | W) for rid, _, ty in TABLE)
    assert t[32770] == ((0, S, R), (1, I, R), (2, S, R), (3, I, R, "s"), (4, I, R, "B"),
                        (5, I, R, "B"), (6, I, R, "dBm"), (7, I, R, "s"), (8, I, R, "s"))
    assert t[32771] == tuple((i, I, R) for i in range(len(COUNTER_KEYS)))
    assert t[9] == ((0, S, R | W), (1, S, R | W), (2, O, W), (4, S, X), (6, S, X), (7, I, R),
                    (9, I, R), (10, S, X), (11, S, X), (12, B, R))
    assert t[3303] == ((5700, F, R), (5701, S, R), (5601, F, R), (5602, F, R), (5605, S, X),
                       (5750, S, R | W), (5518, I, R))
    assert t[3200] == ((5500, B, R), (5501, I, R), (5505, S, X), (5750, S, R | W), (5518, I, R))
    assert t[19] == ((0, O, R | W),)
    assert [ty for _, _, ty in TABLE] == [I, I, I, F, F, F, F, S]


def test_lookups_in_constant_pairs_say_what_the_dicts_said():
    # health's reset causes, the log's level letters and the config's rules are constant
    # tuples now (flash, not a dict in the heap): the same text for every key as before
    from bc66 import log
    from lwm2m import config, health
    import fakemachine
    m = fakemachine.install("esp32")
    try:
        got = []
        for m.cause in (1, 2, 3, 4, 5, 6, 0, 7, None):
            got.append(health.reset_cause())
    finally:
        del sys.modules["machine"]
    assert got == ["power-on", "hard reset", "watchdog", "deep sleep wake", "soft reset",
                   "brown-out", "unknown", "unknown", "unknown"]
    lines = []
    log.sink, level = lines.append, log.level
    log.level = log.DEBUG
    try:
        for lvl in (log.DEBUG, log.INFO, log.WARN, log.ERROR, 25, 50):
            log.log(lvl, "t", "x")
    finally:
        log.sink, log.level = None, level
    assert [x[0] for x in lines] == ["D", "I", "W", "E", "?", "?"]
    assert config.check("server.bootstrap", 1) == "must be true or false"
    assert config.check("binding", "X") == "must be one of U, UQ"
    assert config.check("psk", "abc") == "must be an even-length hex string of at most 256 chars"
    c = config.from_dict({"server": {"host": "h"}, "qlwcfg": {"retransmit": [3, 5],
                                                            "rai_enable": 1}})
    assert c.cfg_items() == (("auto_reg", (0,)), ("per_regstatus_feat", (0,)),
                             ("rai_enable", (1,)), ("retransmit", (3, 5)), ("auto_ack", (0,)),
                             ("access_mode", (0,)), ("recovery_mode", (0,)),
                             ("retransmit_mode", (0,)))

# lwm2m.settings: object 32769 written like the config file, persisted, applied per cycle.
import os
import gc
gc.collect()
import fakeapi as fa  # noqa: E402
fa.prefer_mpy()
from lwm2m import config, settings as se, store  # noqa: E402
from lwm2m.objects import Model  # noqa: E402
from lwm2m.backoff import Backoff  # noqa: E402

rq, out = fa.rq, fa.out
D = "/tmp/mpt_settings"


def mk(name, over=None):
    # -> (model, settings, cfg, state, backoff) over a fresh state file
    store.makedirs(D)
    p = D + "/" + name + ".json"
    for f in (p, p + ".tmp"):
        try:
            os.remove(f)
        except OSError:
            pass
    d = {"server": {"host": "h"}, "report_interval_s": 60, "backoff": {"base_s": 10, "cap_s": 100}}
    d.update(over or {})
    cfg = config.from_dict(d)
    st = store.State(p)
    b = Backoff(cfg.backoff_base_s, cfg.backoff_cap_s, state=st)
    md = Model(fa.FakeModem())
    return md, se.Settings(md, cfg, st, ("temperature", "voltage"), b), cfg, st, b


def reads(md):
    return [md.value(se.SETTINGS, 0, rid) for rid, _, _ in se.TABLE]


async def test_reads_the_config_and_declares_types():
    md, s, cfg, st, b = mk("a")
    assert reads(md) == [60, 3600, 20, 10.0, 100.0, 2.0, 0.5, "temperature,voltage"]
    o = md.objs[32769]
    assert [e[:3] for e in o.table][:4] == [(0, 3, 3), (1, 3, 3), (2, 3, 3), (3, 4, 3)]
    assert out(await rq(md, "r 1 32769 0 0")) == "read_rsp 1 1 32769 0 0 3 60 0"


async def test_good_write_persisted_applied_at_next_cycle():
    md, s, cfg, st, b = mk("b")
    assert await rq(md, "w 1 32769 0 0 1=5", "w 2 32769 0 3 1=2.5",
                    "w 3 32769 0 7 1=voltage") == [("write_rsp", 1, 2), ("write_rsp", 2, 2),
                                                   ("write_rsp", 3, 2)]
    assert md.value(32769, 0, 0) == 5 and cfg.report_interval_s == 60  # read at once, not applied
    assert store.State(st.path).get("settings") == {"report_interval_s": 5, "backoff.base_s": 2.5,
                                                    "sensors": "voltage"}
    assert s.reports("temperature") and s.apply() == 3 and s.apply() == 0
    assert cfg.report_interval_s == 5 and b.base_s == 2.5 and cfg.backoff_base_s == 2.5
    assert not s.reports("temperature") and s.reports("voltage")


async def test_bad_writes_refused_nothing_changed():
    md, s, cfg, st, b = mk("c")
    n = st.writes
    for w in ("w 1 32769 0 0 1=0", "w 2 32769 0 0 1=536871", "w 3 32769 0 0 1=abc",
              "w 4 32769 0 0 1=2.5", "w 5 32769 0 6 1=1.5", "w 6 32769 0 3 1=101",
              "w 7 32769 0 4 1=5", "w 8 32769 0 7 1=humidity", "w 9 32769 0 7 1=voltage,voltage",
              "w 10 32769 0 2 1=301", "w 11 32769 0 1 1=-1"):
        assert (await rq(md, w))[0][2] == 11, w
    assert st.writes == n and reads(md)[:3] == [60, 3600, 20] and md.value(32769, 0, 4) == 100.0
    assert s.apply() == 0 and cfg.report_interval_s == 60 and b.cap_s == 100
    assert config.check("backoff.jitter", 2) == "must be a number 0..1"


async def test_restart_keeps_written_settings():
    md, s, cfg, st, b = mk("d")
    await rq(md, "w 1 32769 0 1 1=120", "w 2 32769 0 7 1=")
    md2 = Model(fa.FakeModem())
    cfg2 = config.from_dict({"server": {"host": "h"}})
    s2 = se.Settings(md2, cfg2, store.State(st.path), ("temperature", "voltage"))
    assert cfg2.duty_cycle_sleep_s == 120 and md2.value(32769, 0, 1) == 120
    assert s2.sensors == () and md2.value(32769, 0, 7) == ""


async def test_observed_setting_notified_on_write():
    md, s, cfg, st, b = mk("e")
    await rq(md, "o 1 32769 0 0")
    await rq(md, "w 2 32769 0 0 1=30")
    await md.step()
    assert out(md.modem.take()) == "notify 32769 0 0 3 30 True"


def test_package_config_merged_over_the_file():
    # an application package's config changes (lwm2m.swupdate.package_config) on top of
    # the file: a section key by key, the rest replaced; then checked like the file
    d = {"server": {"host": "h"}, "backoff": {"base_s": 5, "cap_s": 50}, "lifetime": 300}
    m = config.merge(d, {"backoff": {"cap_s": 60}, "lifetime": 600, "report_interval_s": 7})
    c = config.from_dict(m)
    assert (c.backoff_base_s, c.backoff_cap_s, c.lifetime, c.report_interval_s) == (5, 60, 600, 7)
    assert config.merge(d, None) is d

# The lean report cycle's pieces on MicroPython: the config validated once and kept in a
# compact form (config.load_cached), and one state write per cycle (duty_step with a
# sleep function that saves the state itself).
import asyncio
import json
import os

from lwm2m import config, power
from lwm2m.store import State, makedirs

D = "/tmp/mpt_cycle"


def _fresh():
    makedirs(D)
    for f in os.listdir(D):
        os.remove(D + "/" + f)
    return D


def _write(path, d):
    with open(path, "w") as f:
        json.dump(d, f)


def test_config_checked_once_then_read_compact():
    d = _fresh()
    p, c = d + "/config.json", d + "/config.json.checked"
    _write(p, {"server": {"host": "h.example.net"}, "lifetime": 900,
               "qlwcfg": {"retransmit": [2, 4], "recovery_mode": 1}})
    a = config.load_cached(p, c)
    assert a.host == "h.example.net" and a.lifetime == 900 and a.qlwcfg_retransmit == (2, 4)
    assert "checked" in "".join(os.listdir(d))
    b = config.load_cached(p, c)  # from the compact form: the same values and types
    assert b.__dict__ == a.__dict__ and b.cfg_items() == a.cfg_items()
    assert b.qlwconfig_args("867997030052996") == a.qlwconfig_args("867997030052996")
    with open(c) as f:  # it is the compact form that is read while the config is unchanged
        k = json.load(f)
    k["attrs"]["lifetime"] = 1234
    _write(c, k)
    assert config.load_cached(p, c).lifetime == 1234
    # a changed config file is validated again (and a bad one refused, naming the field)
    _write(p, {"server": {"host": "h.example.net"}, "lifetime": 19})
    try:
        config.load_cached(p, c)
        raise AssertionError("bad config accepted")
    except config.ConfigError as e:
        assert "lifetime" in str(e)
    _write(p, {"server": {"host": "other.example.net"}, "lifetime": 3600})
    assert config.load_cached(p, c).lifetime == 3600
    _write(c, {"key": "garbage"})  # a broken cache: validated from the file
    assert config.load_cached(p, c).host == "other.example.net"


class _Awake:
    async def __aenter__(self):
        return self

    async def __aexit__(self, *a):
        return False


def test_duty_step_writes_the_state_once_with_the_sleep():
    st = State(_fresh() + "/state.json")
    slept = []

    def sleep_fn(ms):  # as lwm2m.sleep.deepsleep_fn: set what the sleep needs, save once
        st.set("nap", [ms, 0])
        st.save()
        slept.append(ms)

    async def report():
        return None

    async def final():
        pass

    asyncio.run(power.duty_step(_Awake(), report, final, sleep_fn, state=st, sleep_s=5,
                                save=False))
    assert slept == [5000] and st.writes == 1
    assert State(D + "/state.json").get("duty")["n"] == 1  # the record has the cycle too
    asyncio.run(power.duty_step(_Awake(), report, final, lambda ms: None, state=st,
                                sleep_s=5))
    assert st.writes == 2  # save=True (default): duty_step saves

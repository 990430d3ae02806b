# Long sleeps and what survives them, on the unix port with the stand-in `machine`
# (fakemachine.py): issue 11 items 3 (a sleep longer than one hardware deep sleep) and 5
# (the time since the last update after a power cut; stm32 state in backup memory).
import gc
import os
import fakemachine as FM
from boards.gpio import BackupMemory
from mpt_boards import VARIANTS, _board, _raises

YEAR_MS = 31536000 * 1000  # duty_cycle.sleep_s accepts up to a year


def test_deepsleep_limits_defect3():
    m = FM.install("pybv11")
    assert "too large" in _raises(ValueError, m.deepsleep, 131073 * 1000)
    assert "overflow" in _raises(OverflowError, m.deepsleep, YEAR_MS)
    m = FM.install("esp32")
    assert "overflow" in _raises(OverflowError, m.deepsleep, 2 ** 31)
    for name in VARIANTS:  # the longest single sleep each description gives is accepted
        m, b = _board(name)
        _raises(FM.DeepSleep, b.deepsleep, b.MAX_SLEEP_MS)


class _State:
    # lwm2m.store.State's interface, in memory; counts saves
    def __init__(self, d=None):
        self.d = dict(d or {})
        self.saves = 0

    def get(self, k, default=None):
        return self.d.get(k, default)

    def set(self, k, v):
        self.d[k] = v

    def delete(self, k):
        self.d.pop(k, None)

    def save(self):
        self.saves += 1


def _sleep_through(name, total_ms):
    # deep-sleep total_ms on the stand-in; every wake runs sleep.resume_sleep, as app.duty
    # does first -> (hardware sleeps, machine log of the wakes)
    from lwm2m import sleep
    m, b = _board(name)
    st = _State()
    age = sleep.UpdateAge(st, False)
    age.mark()
    _raises(FM.DeepSleep, sleep.deepsleep_fn(b, st, age), total_ms)
    mark = len(m.log)
    for _ in range(1000):
        gc.collect()
        try:
            if not sleep.resume_sleep(b, st):
                break
        except FM.DeepSleep:
            pass
    return m, st, m.log[mark:]


def test_a_year_of_sleep_in_hardware_sleeps_defect3():
    from lwm2m import sleep
    for name, limit in (("pyboard_v11", 131072000), ("esp32_devkitc", 2147483647)):
        m, st, wakes = _sleep_through(name, YEAR_MS)
        assert sum(m.sleeps) == YEAR_MS and max(m.sleeps) <= limit, name
        assert len(m.sleeps) == (YEAR_MS + limit - 1) // limit, (name, len(m.sleeps))
        # the wakes in between touch nothing but the RTC: no pin edge, no UART
        assert not wakes, wakes[:3]
        # and the time since the last update counts every part of the sleep
        age = sleep.UpdateAge(st, True)
        assert abs(age.seconds(None) - YEAR_MS / 1000) < 2, age.seconds(None)


def test_power_cut_ends_a_long_sleep_and_age_is_unknown_defect5():
    from lwm2m import power, sleep
    m, b = _board("nucleo_l476rg")
    st = _State({"nap": [131072000, 5000000], "age": [100, 131072000]})
    m.cause = FM.PWRON_RESET  # power came back: not our wake
    assert sleep.resume_sleep(b, st) == 0 and st.get("nap") == [0, 0]
    age = sleep.UpdateAge(st, b.woke_from_sleep())
    assert age.seconds(900) == 900  # unknown: as if due now, never negative
    assert power.plan_sleep_s(900, age.seconds(900), 3600) == 0
    m.cause = FM.DEEPSLEEP_RESET
    age = sleep.UpdateAge(st, b.woke_from_sleep())
    assert 131171 < age.seconds(None) < 131174
    age.mark()
    assert 0 <= age.seconds(None) < 1


def test_stm32_state_in_backup_memory_defect5():
    from lwm2m.store import State
    m, b = _board("pyboard_v11")
    path = "/tmp/bc66-mpt-boards-state.json"
    for p in (path, path + ".tmp"):
        try:
            os.remove(p)
        except OSError:
            pass
    st = State(path, rtc=b.rtc())
    st.set("age", [12.5, 3000])
    st.set("counters", {"requests": 3, "reboots": 1})
    assert st.save()
    assert "bc66-mpt-boards-state.json" not in os.listdir("/tmp")  # no flash write
    st2 = State(path, rtc=b.rtc())
    assert st2.get("age") == [12.5, 3000] and st2.get("counters")["reboots"] == 1
    # L476: 32 BKP registers, the last one the port's: too small for the state -> file
    m, b = _board("nucleo_l476rg")
    assert b.rtc() is None
    mem = BackupMemory(m.mem_backup(), 1)
    mem.memory(b"LS1{\"a\": 1}")
    assert mem.memory() == b"LS1{\"a\": 1}" and mem.size == 124
    assert "too long" in _raises(ValueError, mem.memory, bytes(123))

"""The node's own settings as custom object 32769, written and read by the LwM2M server.

One resource per setting of the config file (rules from ``config.check``, so a server's
write is refused 4.00, nothing changed, exactly where the file would be refused), plus
which sensors report. A good write is persisted at once (``State``, written atomically)
and applied at the start of the next report cycle (``apply``), without a restart; it
survives restarts and deep sleep. Readable and observable like any resource.
The definition for servers: docs/lwm2m/32769-node-settings.xml.

Object ids: 32769 and up are OMNA's private range (32769-42768): ids a deployment
may use without registering them, so they can never clash with a registered object.
Lifetime and binding are not here: the server writes them in the module's own Server
object (1/0/1, 1/0/7), which the module applies itself (note 3.2.1).
"""
from micropython import const

from bc66 import log
from lwm2m import config
from lwm2m.objects import Obj

SETTINGS = const(32769)
SENSORS = const(7)  # the resource "which sensors report"
# Resource tables of constants only are frozen into flash with the code: R, W, X
# (lwm2m.objects) and the value types (bc66.values) as constants of this module (an
# imported name would build each table in the heap; mpt_heap_start checks the values)
_RW = const(3)
_T_STRING = const(1)
_T_INTEGER = const(3)
_T_FLOAT = const(4)
# rid -> the config file's field (its rules apply) and the resource type
TABLE = ((0, "report_interval_s", _T_INTEGER),
         (1, "duty_cycle.sleep_s", _T_INTEGER),
         (2, "duty_cycle.notify_timeout_s", _T_INTEGER),
         (3, "backoff.base_s", _T_FLOAT),
         (4, "backoff.cap_s", _T_FLOAT),
         (5, "backoff.factor", _T_FLOAT),
         (6, "backoff.jitter", _T_FLOAT),
         (SENSORS, "sensors", _T_STRING))
_TAG = "settings"


def _attr(path):
    return path.replace(".", "_")  # the Config attribute of a config path


class Settings:
    """Object 32769/0 over ``cfg``; ``sensors``: the names of the sensors that can report
    (all report until the server writes a comma-separated subset to 32769/0/7)."""

    def __init__(self, model, cfg, state, sensors=(), backoff=None):
        self.cfg = cfg
        self.state = state
        self.backoff = backoff
        self.names = tuple(sensors)
        self.sensors = self.names  # those that report now
        self.written = {}  # path -> value, what the server wrote (persisted)
        self._due = False  # written since the last apply
        self.model = model
        # TABLE's resources as (rid, type, R|W) in a constant (mpt_heap_start checks they agree)
        model.add(Obj(SETTINGS, (0,), ((0, _T_INTEGER, _RW), (1, _T_INTEGER, _RW),
                                       (2, _T_INTEGER, _RW), (3, _T_FLOAT, _RW),
                                       (4, _T_FLOAT, _RW), (5, _T_FLOAT, _RW),
                                       (6, _T_FLOAT, _RW), (SENSORS, _T_STRING, _RW))))
        o = model.objs[SETTINGS]
        write = self._write  # one bound method for the eight resources
        for rid, path, t in TABLE:
            o.on(rid, write)
            v = ",".join(self.names) if rid == SENSORS else getattr(cfg, _attr(path))
            model.set(SETTINGS, 0, rid, float(v) if t == _T_FLOAT else v, False)
        for path, v in (state.get("settings") or {}).items():  # a restart: apply again
            rid = self._rid(path)
            if rid is None or self._rule(path, v):  # a field or rule that changed since
                log.log(log.WARN, _TAG, "persisted %s dropped: no longer valid", path)
                continue
            self.written[path] = v
            model.set(SETTINGS, 0, rid, v, False)
            self._due = True
        self.apply()

    def _rid(self, path):
        for rid, p, _ in TABLE:
            if p == path:
                return rid
        return None

    def _rule(self, path, v):
        # the rule v breaks as the setting path, or None
        if path == "sensors":
            names = v.split(",") if v else ()
            for i, n in enumerate(names):
                if n not in self.names or n in names[:i]:
                    return "must be distinct names from: " + ",".join(self.names)
            return None
        r = config.check(path, v)
        if r is None and path.startswith("backoff."):
            base, cap = self.get("backoff.base_s"), self.get("backoff.cap_s")
            base, cap = (v, cap) if path == "backoff.base_s" else (base, v) \
                if path == "backoff.cap_s" else (base, cap)
            if cap < base:
                r = "must keep backoff.cap_s >= backoff.base_s"
        return r

    def get(self, path):
        """The value of a setting as written (or from the config file if never written)."""
        if path in self.written:
            return self.written[path]
        return ",".join(self.sensors) if path == "sensors" else getattr(self.cfg, _attr(path))

    def _write(self, inst, rid, value):
        path = TABLE[rid][1]
        if TABLE[rid][2] == _T_INTEGER and type(value) is not int:
            return False
        rule = self._rule(path, value)
        if rule:
            log.log(log.WARN, _TAG, "write %s refused: %s", path, rule)
            return False
        self.written[path] = value
        st = self.state
        st.set("settings", dict(self.written))
        st.save(flash=True)  # atomic (store._write): the old state or the new, whole
        self._due = True
        log.log(log.INFO, _TAG, "%s = %r (applied at the next cycle)", path, value)
        return True

    def apply(self):
        """Put what the server wrote into effect (the start of a report cycle) -> the
        number of settings that changed."""
        if not self._due:
            return 0
        self._due = False
        n = 0
        cfg, b = self.cfg, self.backoff
        for path, v in self.written.items():
            if path == "sensors":
                new = tuple(v.split(",")) if v else ()
                if new == self.sensors:
                    continue
                self.sensors = new
            else:
                a = _attr(path)
                if getattr(cfg, a) == v:
                    continue
                setattr(cfg, a, v)
                if b is not None and path.startswith("backoff."):
                    setattr(b, path[8:], v)
            n += 1
            log.log(log.INFO, _TAG, "applied %s = %r", path, v)
        return n

    def reports(self, name):
        """True if sensor ``name`` reports (sampled and sent) in this cycle."""
        return name in self.sensors

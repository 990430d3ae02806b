"""Stock objects: the IPSO sensor types a config selects by name (``TYPES``), and Binary
App Data Container 19 as a data channel (up on 19/0/0, down on 19/1/0, note 5.4).

Declare them before ``model.sync_objects()``; an instance added later needs a new sync.
"""
from micropython import const
from lwm2m.objects import Obj, NOT_ALLOWED, MAX_INSTANCES

# Resource tables of constants only are frozen into flash with the code: R, W, X
# (lwm2m.objects) and the value types (bc66.values) as constants of this module (an
# imported name would build each table in the heap; mpt_heap_start checks the values)
_R = const(1)
_RW = const(3)
_X = const(4)
_T_STRING = const(1)
_T_OPAQUE = const(2)
_T_INTEGER = const(3)
_T_FLOAT = const(4)
_T_BOOLEAN = const(5)

# The one table of IPSO types: config name -> (object id, default units). 3200 is the
# digital-input shape (5500 state, 5501 counter), the others the sensor shape below.
TYPES = {
    "temperature": (3303, "Cel"),
    "humidity": (3304, "%RH"),
    "barometer": (3315, "hPa"),
    "voltage": (3316, "V"),
    "generic": (3300, ""),
    "digital_input": (3200, ""),
}
DIGITAL_INPUT = 3200
# 5700 sensor value, 5701 units, 5601/5602 min/max measured, 5605 reset min/max,
# 5750 application type (a writable label, IPSO's one RW resource on sensors),
# 5518 timestamp (IPSO 1.1: seconds since 1970 of the 5700 value; a sensor that fails
# keeps its last good value, and 5518 says how old it is)
_SENSOR = ((5700, _T_FLOAT, _R), (5701, _T_STRING, _R), (5601, _T_FLOAT, _R),
           (5602, _T_FLOAT, _R), (5605, _T_STRING, _X), (5750, _T_STRING, _RW),
           (5518, _T_INTEGER, _R))
# 5500 digital input state, 5501 counter (rising edges seen between reads), 5505 reset
# counter, 5750 application type, 5518 timestamp
_INPUT = ((5500, _T_BOOLEAN, _R), (5501, _T_INTEGER, _R), (5505, _T_STRING, _X),
          (5750, _T_STRING, _RW), (5518, _T_INTEGER, _R))


def _instance(model, oid, table, sensor, inst):
    # declare the object on first use, the next free instance id when inst is None
    o = model.objs.get(oid)
    if o is None:
        o = model.add(Obj(oid, (), table))
        o.sensors = {}
        o.on(5605 if table is _SENSOR else 5505, lambda i, r, v: o.sensors[i].reset())
    if inst is None:
        inst = 0
        while inst in o.insts:
            inst += 1
    if inst in o.sensors or len(o.insts) >= MAX_INSTANCES and inst not in o.insts:
        raise ValueError("object %d: instance %d taken or more than %d instances"
                         % (oid, inst, MAX_INSTANCES))
    o.add_instance(inst)
    o.sensors[inst] = sensor
    return inst


class Sensor:
    """One IPSO sensor instance; ``update(v, t)`` sets 5700 (and 5518 to ``t``, seconds
    since 1970, when given) and widens 5601/5602."""

    def __init__(self, model, oid, inst=0, units="", label=""):
        self.m = model
        self.oid = oid
        self.inst = _instance(model, oid, _SENSOR, self, inst)
        model.set(oid, self.inst, 5701, units)
        model.set(oid, self.inst, 5750, label)

    def update(self, value, t=None):
        """A new reading (float); observers of 5700/5601/5602 are notified on change."""
        m, oid, i = self.m, self.oid, self.inst
        value = float(value)
        m.set(oid, i, 5700, value)
        if t is not None:
            m.set(oid, i, 5518, int(t), False)  # the time alone is no news to observers
        lo = m.value(oid, i, 5601)
        if lo is None or value < lo:
            m.set(oid, i, 5601, value)
        hi = m.value(oid, i, 5602)
        if hi is None or value > hi:
            m.set(oid, i, 5602, value)

    def reset(self):
        """Reset min/max measured to the current value (what execute 5605 does)."""
        v = self.value
        self.m.set(self.oid, self.inst, 5601, v)
        self.m.set(self.oid, self.inst, 5602, v)

    @property
    def value(self):
        """The last reading or None."""
        return self.m.value(self.oid, self.inst, 5700)


class DigitalInput:
    """One IPSO Digital Input 3200 instance; ``update(state, t)`` sets 5500 and counts
    rising edges in 5501 (reset by execute 5505)."""

    def __init__(self, model, oid=DIGITAL_INPUT, inst=0, units="", label=""):
        self.m = model
        self.oid = oid
        self.inst = _instance(model, oid, _INPUT, self, inst)
        model.set(oid, self.inst, 5501, 0)
        model.set(oid, self.inst, 5750, label)

    def update(self, value, t=None):
        m, oid, i = self.m, self.oid, self.inst
        value = bool(value)
        if value and m.value(oid, i, 5500) is False:
            m.set(oid, i, 5501, m.value(oid, i, 5501) + 1)
        m.set(oid, i, 5500, value)
        if t is not None:
            m.set(oid, i, 5518, int(t), False)

    def reset(self):
        self.m.set(self.oid, self.inst, 5501, 0)

    @property
    def value(self):
        return self.m.value(self.oid, self.inst, 5500)


def sensor(model, type_name, inst=None, units=None, label=""):
    """An instance of the IPSO type named ``type_name`` (a ``TYPES`` key; KeyError if
    unknown), at instance ``inst`` or the next free one -> Sensor or DigitalInput."""
    oid, default_units = TYPES[type_name]
    cls = DigitalInput if oid == DIGITAL_INPUT else Sensor
    return cls(model, oid, inst, default_units if units is None else units, label)


def temperature(model, inst=0, units="Cel"):
    """IPSO Temperature 3303 instance -> Sensor."""
    return Sensor(model, 3303, inst, units)


def voltage(model, inst=0, units="V"):
    """IPSO Voltage 3316 instance (battery or supply) -> Sensor."""
    return Sensor(model, 3316, inst, units)


class BinData:
    """Object 19: ``await send(data)`` notifies 19/0/0; writes to 19/1/0 call
    ``on_downlink(data)`` (its False or result code is the answer, as for any handler)."""

    def __init__(self, model, on_downlink=None, con=True):
        o = model.add(Obj(19, (0, 1), ((0, _T_OPAQUE, _RW),), con=con))
        o.on(0, self._write)
        self.m = model
        self.on_downlink = on_downlink

    def _write(self, inst, rid, data):
        if inst != 1:
            return NOT_ALLOWED  # 19/0/0 is the uplink
        if self.on_downlink is not None:
            return self.on_downlink(data)

    async def send(self, data, con=None):
        """Store ``data`` in 19/0/0 and notify it now -> Note (CON unless ``con=False``)."""
        self.m.set(19, 0, 0, bytes(data), False)
        return await self.m.notify(19, 0, 0, con)


def bindata(model, on_downlink=None, con=True):
    """Declare object 19 as the data channel -> BinData."""
    return BinData(model, on_downlink, con)

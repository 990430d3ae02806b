"""Stock objects: IPSO 3303 temperature and 3316 voltage (the IPSO sensor shape), and
Binary App Data Container 19 as a data channel (up on 19/0/0, down on 19/1/0, note 5.4).

Declare them before ``model.sync_objects()``; an instance added later needs a new sync.
"""
from lwm2m.objects import Obj, R, W, X, T_STRING, T_OPAQUE, T_FLOAT, NOT_ALLOWED

# 5700 sensor value, 5701 units, 5601/5602 min/max measured, 5605 reset min/max,
# 5750 application type (a writable label, IPSO's one RW resource on sensors)
_SENSOR = ((5700, T_FLOAT, R), (5701, T_STRING, R), (5601, T_FLOAT, R), (5602, T_FLOAT, R),
           (5605, T_STRING, X), (5750, T_STRING, R | W))


class Sensor:
    """One IPSO sensor instance; ``update(v)`` sets 5700 and widens 5601/5602."""

    def __init__(self, model, oid, inst=0, units=""):
        o = model.objs.get(oid)
        if o is None:
            o = model.add(Obj(oid, (), _SENSOR))
            o.sensors = {}
            o.on(5605, lambda i, r, v: o.sensors[i].reset())
        o.add_instance(inst)
        o.sensors[inst] = self
        self.m = model
        self.oid = oid
        self.inst = inst
        model.set(oid, inst, 5701, units)
        model.set(oid, inst, 5750, "")

    def update(self, value):
        """A new reading (float); observers of 5700/5601/5602 are notified on change."""
        m, oid, i = self.m, self.oid, self.inst
        value = float(value)
        m.set(oid, i, 5700, value)
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
        o = model.add(Obj(19, (0, 1), ((0, T_OPAQUE, R | W),), con=con))
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

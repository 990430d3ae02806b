"""The object registry and its values: ``Obj`` tables and the registry part of
``objects.Model`` (add, set, value, sync with the module's object list).

``Obj(oid, insts, ((rid, vtype, ops[, units]), ...))``, ops a mask of R|W|X. Values per
(obj, inst, res) live in the Obj: a value or a zero-argument getter. ``obj.on(rid, fn)``:
``fn(inst, rid, value)`` validates/applies a write (value decoded) or runs an execute
(value None); it returns None/True (2.04), False (4.00) or a result code 11..14; raising
gives 4.00 (lwm2m.answering).
"""
from collections import namedtuple
from micropython import const
from bc66.values import T_STRING, T_BOOLEAN
from bc66.errors import CommandError

R = const(1)
W = const(2)
X = const(4)
MAX_OBJECTS = const(15)
MAX_INSTANCES = const(4)
MAX_RESOURCES = const(14)
# a resource table entry: (rid, vtype, ops[, units]) (the same positions in
# lwm2m.answering and lwm2m.observing)
_RID = const(0)
_VTYPE = const(1)
_OPS = const(2)
_MISS = object()

# How an observed resource is notified: at most every pmin_ms, at least every pmax_ms
# (0: no bound), confirmable (con) or not.
NotifyOptions = namedtuple("NotifyOptions", ("pmin_ms", "pmax_ms", "con"))


def warn(msg, *a):
    """A warning line of the object model (bc66.log loaded on the first one)."""
    from bc66 import log  # loaded on the first log line (docs/architecture.md)

    log.log(log.WARN, "obj", msg, *a)


class Obj:
    """One object: id, instance ids, resource table, values, handlers, notify options."""

    def __init__(self, oid, insts, table, pmin_ms=0, pmax_ms=0, con=True):
        if len(table) > MAX_RESOURCES:
            raise ValueError("object %d: %d resources > 14" % (oid, len(table)))
        for e in table:
            if not (T_STRING <= e[_VTYPE] <= T_BOOLEAN and 0 < e[_OPS] <= R | W | X):
                raise ValueError("object %d: bad resource %r" % (oid, e))
        self.oid = oid
        self.table = tuple(table)
        self.insts = []
        self.values = {}  # (inst << 16 | rid) -> value or getter
        self.handlers = {}  # rid -> fn(inst, rid, value)
        self.notify_options = {}  # rid -> NotifyOptions, set by ``on``
        self.default_options = NotifyOptions(pmin_ms, pmax_ms, con)
        for i in insts:
            self.add_instance(i)

    def add_instance(self, inst):
        """Declare one more instance id (at most 4)."""
        if inst not in self.insts:
            if len(self.insts) >= MAX_INSTANCES or not 0 <= inst < 0x4000:
                raise ValueError("object %d: instance %d over limits" % (self.oid, inst))
            self.insts.append(inst)

    def find(self, rid):
        """The table entry for ``rid`` or None."""
        for e in self.table:
            if e[_RID] == rid:
                return e
        return None

    def options(self, rid):
        """The ``NotifyOptions`` of ``rid`` (the object's defaults unless ``on`` set them)."""
        return self.notify_options.get(rid, self.default_options)

    def on(self, rid, fn=None, pmin_ms=None, pmax_ms=None, con=None):
        """Set the write (W) / execute (X) handler of ``rid`` and/or its notification
        options (min/max interval in ms, 0 = none; CON or NON) for observations made
        from now on; None keeps what is set."""
        if fn is not None:
            self.handlers[rid] = fn
        if pmin_ms is None and pmax_ms is None and con is None:
            return  # a handler alone: no options record (32 B each) for the defaults
        d = self.options(rid)
        self.notify_options[rid] = NotifyOptions(
            d.pmin_ms if pmin_ms is None else pmin_ms, d.pmax_ms if pmax_ms is None else pmax_ms,
            d.con if con is None else con)



class Registry:
    """``Model``'s registry part: ``objs`` (oid -> Obj) and their values; ``set`` marks
    an observed change (``Observing.changed``)."""

    def _init_registry(self, modem):
        self.modem = modem
        self.objs = {}

    def add(self, obj):
        """Register an Obj (at most 15); returns it."""
        if obj.oid not in self.objs and len(self.objs) >= MAX_OBJECTS:
            raise ValueError("object %d: more than 15 objects" % obj.oid)
        self.objs[obj.oid] = obj
        return obj

    def set(self, oid, inst, rid, value, notify=True):
        """Store a value or getter; an observed change is notified by ``run``."""
        values = self.objs[oid].values
        k = (inst << 16) | rid
        old = values.get(k, _MISS)
        values[k] = value
        if notify and (callable(value) or old != value):
            self.changed(oid, inst, rid)

    def value(self, oid, inst, rid):
        """Current value (getter called); None if unset."""
        v = self.objs[oid].values.get((inst << 16) | rid)
        return v() if callable(v) else v

    async def sync_objects(self, modem=None):
        """Align the module's object list with the declaration -> (added, deleted, kept)."""
        m = self.modem = modem or self.modem
        for o in self.objs.values():
            if not 0 < len(o.insts) <= MAX_INSTANCES or len(o.table) > MAX_RESOURCES:
                raise ValueError("object %d: instances/resources over the module's limits" % o.oid)
        last = None  # a difference is acted on only when two reads in a row agree on it
        for n in range(3):  # (one garbled +QLWADDOBJ line must not cost a registration)
            try:
                rows = await m.objects()
            except CommandError:  # a line that did not parse
                if n == 2:
                    raise
                continue
            have, to_add, kept = self._object_plan(rows)
            if not (have or to_add) or rows == last:
                break
            last = rows
        else:
            raise CommandError(-1, "+QLWADDOBJ: no two answers agree")
        added = 0
        deleted = len(have)  # undeclared or different: delete first (frees module slots)
        for oid in have:
            await m.del_object(oid)
        for o in to_add:
            for inst in o.insts:
                await m.add_object(o.oid, inst, tuple(e[_RID] for e in o.table))
                added += 1
        return added, deleted, kept

    def _object_plan(self, rows):
        # the module's list against the declaration -> ({oid to delete: ...}, [objects to
        # add], how many are identical)
        have = {}  # oid -> {inst: sorted resource ids} as the module has them
        for oid, inst, rids in rows:
            have.setdefault(oid, {})[inst] = tuple(sorted(rids))
        kept = 0
        to_add = []
        for oid, o in self.objs.items():
            insts = have.get(oid)
            rids = tuple(sorted(e[_RID] for e in o.table))
            if insts is not None and len(insts) == len(o.insts) and \
                    all(insts.get(i) == rids for i in o.insts):
                kept += 1
                del have[oid]  # identical: leave it
            else:
                to_add.append(o)
        return have, to_add, kept

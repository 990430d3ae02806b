"""LwM2M object model for the BC66: ``Obj`` tables and their values here (``Model.add``,
``set``, ``value``, ``sync_objects``); the other two parts each in its own module:

- ``lwm2m.answering``: server requests answered (``request`` from the reader task,
  ``serve``, ``handle``), each exactly once, never raising;
- ``lwm2m.observing``: observations and notifications (``observe``, ``notify``, ``run``,
  report_ack and reboot through ``on_urc``).

``Obj(oid, insts, ((rid, vtype, ops[, units]), ...))``, ops a mask of R|W|X. Values per
(obj, inst, res) live in the Obj: a value or a zero-argument getter. ``obj.on(rid, fn)``:
``fn(inst, rid, value)`` validates/applies a write (value decoded) or runs an execute
(value None); it returns None/True (2.04), False (4.00) or a result code 11..14; raising
gives 4.00 (lwm2m.answering).
"""
from collections import namedtuple
from micropython import const
from bc66.values import T_STRING, T_OPAQUE, T_INTEGER, T_FLOAT, T_BOOLEAN  # noqa: F401
from bc66.values import (CONTENT, CHANGED, BAD_REQUEST, UNAUTHORIZED,  # noqa: F401
                         NOT_FOUND, NOT_ALLOWED, CHANGE_RESULTS)
from bc66.errors import CommandError
from lwm2m.answering import Answering
from lwm2m.observing import (PENDING, DROPPED, EXPIRED, RESET, Note,  # noqa: F401
                             Observation, Observing, Watched, _SENT_NON)

R = const(1)  # (the same values in lwm2m.answering and lwm2m.observing)
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


class Obj:
    """One object: id, instance ids, resource table, values, handlers, notify options."""

    NO_BOUNDS = NotifyOptions(0, 0, True)  # the default options: one record for every Obj

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
        self.notify_options = None  # {rid: NotifyOptions} once ``on`` set some
        self.default_options = (self.NO_BOUNDS if pmin_ms == 0 and pmax_ms == 0 and con is True
                                else NotifyOptions(pmin_ms, pmax_ms, con))
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
        n = self.notify_options
        return self.default_options if n is None else n.get(rid, self.default_options)

    def on(self, rid, fn=None, pmin_ms=None, pmax_ms=None, con=None):
        """Set the write (W) / execute (X) handler of ``rid`` and/or its notification
        options (min/max interval in ms, 0 = none; CON or NON) for observations made
        from now on; None keeps what is set."""
        if fn is not None:
            self.handlers[rid] = fn
        if pmin_ms is None and pmax_ms is None and con is None:
            return  # a handler alone: no options record (32 B each) for the defaults
        d = self.options(rid)
        if self.notify_options is None:
            self.notify_options = {}
        self.notify_options[rid] = NotifyOptions(
            d.pmin_ms if pmin_ms is None else pmin_ms, d.pmax_ms if pmax_ms is None else pmax_ms,
            d.con if con is None else con)



class Model(Answering, Observing):
    """Registry of objects (``objs``: oid -> Obj) and their values; answers requests
    (``Answering``), tracks observations and notifications (``Observing``)."""

    def __init__(self, modem=None, max_observations=16, max_watched=32, max_pending=8,
                 ack_timeout_ms=120000, retry_ms=2000):
        self.modem = modem
        self.objs = {}
        self._init_answering()
        self._init_observing(max_observations, max_watched, max_pending, ack_timeout_ms,
                             retry_ms)
        self.stats = {"requests": 0, "answer_errors": 0, "handler_errors": 0, "obs_dropped": 0,
                      "sent": 0, "notes_dropped": 0, "notify_errors": 0,
                      "acks_unmatched": 0}

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

# A fake of the BC66 modem API (docs/architecture.md) for lib/lwm2m tests: the same
# coroutine signatures, each call recorded as a tuple in .calls (or only counted when
# keep=False), scripted failures via .fail[name] = exception, a held object list, and
# CON notify msgids counting up from 1000.


class URC:
    """A URC record like lib/bc66/urc.py builds: kind + kind-specific attributes."""

    def __init__(self, kind, **kw):
        self.kind = kind
        self.msgid = kw.get("msgid", 0)
        self.obj = kw.get("obj", -1)
        self.inst = kw.get("inst", -1)
        self.res = kw.get("res", -1)
        self.flag = kw.get("flag", 0)
        self.vtype = kw.get("vtype", 0)
        self.value = kw.get("value")
        self.index = kw.get("index", 0)
        self.status = kw.get("status", 0)


def read(msgid, obj, inst, res):
    return URC("read", msgid=msgid, obj=obj, inst=inst, res=res)


def write(msgid, obj, inst, res, value, vtype=2, index=0):
    return URC("write", msgid=msgid, obj=obj, inst=inst, res=res, vtype=vtype, value=value,
               index=index)


def execute(msgid, obj, inst, res):
    return URC("execute", msgid=msgid, obj=obj, inst=inst, res=res)


def observe(msgid, flag, obj, inst, res):
    return URC("observe", msgid=msgid, flag=flag, obj=obj, inst=inst, res=res)


def report_ack(msgid, status=0):
    return URC("report_ack", msgid=msgid, status=status)


class FakeModem:
    def __init__(self, held=(), keep=True):
        self.held = list(held)     # (obj, inst, tuple(res_ids)) as AT+QLWADDOBJ? lists them
        self.calls = []
        self.keep = keep
        self.n = 0
        self.fail = {}             # method name -> exception instance to raise
        self.next_msgid = 1000
        self.last = None

    def _rec(self, name, *args):
        self.n += 1
        if self.keep:
            self.calls.append((name,) + args)
        else:
            self.last = name
        e = self.fail.get(name)
        if e is not None:
            raise e

    def names(self):
        return [c[0] for c in self.calls]

    def take(self):
        c = self.calls
        self.calls = []
        return c

    async def objects(self):
        self._rec("objects")
        return list(self.held)

    async def add_object(self, obj, inst, res_ids):
        self._rec("add_object", obj, inst, tuple(res_ids))
        self.held.append((obj, inst, tuple(res_ids)))

    async def del_object(self, obj):
        self._rec("del_object", obj)
        self.held = [h for h in self.held if h[0] != obj]

    async def read_rsp(self, msgid, result, obj, inst, res, vtype=0, value=None, index=0):
        self._rec("read_rsp", msgid, result, obj, inst, res, vtype, value, index)

    async def write_rsp(self, msgid, result):
        self._rec("write_rsp", msgid, result)

    async def exec_rsp(self, msgid, result):
        self._rec("exec_rsp", msgid, result)

    async def obs_rsp(self, msgid, result, obj, inst, res, vtype=0, value=None, index=0):
        self._rec("obs_rsp", msgid, result, obj, inst, res, vtype, value, index)

    async def notify(self, obj, inst, res, vtype, value, con=True, rai=0):
        self._rec("notify", obj, inst, res, vtype, value, con)
        if not con:
            return None
        self.next_msgid += 1
        return self.next_msgid


def prefer_mpy(mods=("lwm2m/__init__", "lwm2m/objects", "lwm2m/ipso", "bc66/__init__",
                     "bc66/log", "bc66/errors")):
    """Load lib/ from build/mpy/lib (``make mpy``) when every listed .mpy is fresh.

    On the 64-bit unix port compiling a 400-line module from source needs ~80 KB, more
    than the 48 KB heap the node must fit; mpy-cross output is what boards run anyway.
    Returns True if build/mpy/lib was put first on sys.path.
    """
    import os
    import sys
    base = "build/mpy/lib"
    try:
        for m in mods:
            try:
                src = os.stat("lib/" + m + ".py")[8]
            except OSError:
                continue
            if os.stat(base + "/" + m + ".mpy")[8] < src:
                raise OSError
    except OSError:
        print("prefer_mpy: build/mpy is missing or stale, run `make mpy`; using sources")
        return False
    if base not in sys.path:
        sys.path.insert(1 if sys.path and sys.path[0] == ".frozen" else 0, base)
    return True

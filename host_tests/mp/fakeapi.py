# A fake of the BC66 modem API (docs/architecture.md) for lib/lwm2m tests: the same
# coroutine signatures, each call recorded as a tuple in .calls (only counted when
# keep=False), scripted failures via .fail[name] = exception, a held object list, CON
# notify msgids counting up from 1000. Kept small: it shares the 48 KB heap with the tests.


class URC:
    """A URC record as lib/bc66/urc.py builds it (unset fields keep these defaults)."""
    obj = inst = res = -1
    msgid = vtype = part = flag = status = 0
    value = None

    def __init__(self, kind, msgid=0, obj=-1, inst=-1, res=-1):
        self.kind, self.msgid, self.obj, self.inst, self.res = kind, msgid, obj, inst, res


# the modem API (docs/architecture.md): name -> (required args, all args incl. defaults)
SIG = {"objects": (0, ()), "add_object": (3, ()), "del_object": (1, ()),
       "read_rsp": (5, (0, None, 0)), "obs_rsp": (5, (0, None, 0)), "write_rsp": (2, ()),
       "exec_rsp": (2, ()), "notify": (5, (True, 0))}


class FakeModem:
    def __init__(self, held=(), keep=True):
        self.held = list(held)  # (obj, inst, tuple(res_ids)) as AT+QLWADDOBJ? lists them
        self.calls = []
        self.keep = keep
        self.n = 0
        self.fail = {}
        self.next_msgid = 1000

    def answer(self, kind, msgid, result, done, obj=-1, inst=-1, res=-1, vtype=0, value=None,
               index=0, first=True):
        # BC66.answer, the one way to answer (not awaited): recorded under the name of its
        # awaitable wrapper (read_rsp...), its outcome given at once
        if kind == "read" or kind == "observe":
            self._rec("read_rsp" if kind == "read" else "obs_rsp",
                      (msgid, result, obj, inst, res, vtype, value, index))
        else:
            self._rec("write_rsp" if kind == "write" else "exec_rsp", (msgid, result))
        done(0)

    def __getattr__(self, name):
        # every API method is a coroutine taking exactly its documented arguments
        req, opt = SIG[name]

        async def call(*a):
            assert req <= len(a) <= req + len(opt), name
            return self._rec(name, a + opt[len(a) - req:])
        return call

    def _rec(self, name, a):
        self.n += 1
        if name == "notify":
            a = a[:6]  # rai is not recorded
        if self.keep:
            self.calls.append((name,) + a)
        e = self.fail.get(name)
        if e is not None:
            raise e
        if name == "objects":
            return list(self.held)
        if name == "add_object":
            self.held.append(a[:2] + (tuple(a[2]),))
        elif name == "del_object":
            self.held = [h for h in self.held if h[0] != a[0]]
        elif name == "notify" and a[5]:
            self.next_msgid += 1
            return self.next_msgid

    def take(self):
        c = self.calls
        self.calls = []
        return c


def prefer_mpy():
    # Load lib/ from build/mpy/lib (``make mpy``) when the .mpy files I use are fresh:
    # compiling lib/lwm2m/objects.py from source needs ~80 KB on the 64-bit unix port.
    import os
    import sys
    from fakemodem import mpy_lib
    base = mpy_lib()  # build/mpy/lib, build/mpy-x86/lib on the 32-bit port
    try:
        for m in ("lwm2m/objects", "lwm2m/ipso", "bc66/log", "bc66/errors"):
            if os.stat(base + "/" + m + ".mpy")[8] < os.stat("lib/" + m + ".py")[8]:
                raise OSError
    except OSError:
        print("prefer_mpy: build/mpy missing or stale (run `make mpy`): using sources")
        return False
    if base not in sys.path:
        sys.path.insert(1 if sys.path and sys.path[0] == ".frozen" else 0, base)
    return True


def mk(**kw):
    # A Model on a FakeModem with object 9 (instances 0, 1) and some values: (m, md, o).
    from lwm2m.objects import Model, Obj
    m = FakeModem()
    md = Model(m, **kw)
    o = md.add(Obj(9, (0, 1), ((0, 1, 1), (1, 3, 3), (2, 4, 3, "Cel"), (3, 2, 2), (4, 5, 3), (5, 1, 4))))
    for p, v in (((0, 0), "quectel"), ((0, 1), 7), ((0, 2), 21.5), ((0, 4), True), ((1, 0), "b")):
        md.set(9, p[0], p[1], v)
    return m, md, o


async def rq(md, *urcs):
    # Hand URCs (records or U() lines) to the model; return (and clear) the modem calls.
    # The scripted tables use message ids again at once: no duplicate rule here (its tests:
    # mpt_bc66_requests, mpt_request_path).
    md.requests.lifetime_s = 0
    for u in urcs:
        await md.handle(U(u) if type(u) is str else u)
    return md.modem.take()


def U(line):
    # "r|w|x|o|c msgid obj inst res [vtype=payload [part]]" -> URC (payload "#hex" or
    # ascii); "a msgid status" -> report_ack
    words = line.split()
    k, n = words[0], [int(w) for w in words[1:5]]
    if k == "a":
        u = URC("report_ack", n[0])
        u.status = n[1]
        return u
    u = URC({"r": "read", "w": "write", "x": "execute"}.get(k, "observe"), *n)
    u.flag = k == "c"
    if k == "w":
        t, _, p = words[5].partition("=")
        u.vtype = int(t)
        u.value = bytes.fromhex(p[1:]) if p[:1] == "#" else p.encode()
        u.part = int(words[6]) if len(words) > 6 else 0
    return u


async def table(md, text):
    # Run 'request -> expected answers' lines; an answer: result obj inst res vtype value index
    i = 0
    while i < len(text):  # line by line: no copy of the whole table
        j = text.find("\n", i)
        j = len(text) if j < 0 else j
        line = text[i:j]
        i = j + 1
        if not line:
            continue
        req, _, want = line.partition("->")
        got = out(c[2:] for c in await rq(md, req))  # without name and msgid
        assert got == want.strip(), "%s: got %r" % (line.strip(), got)


def out(calls):
    # calls as one string ("name arg arg; ..."): cheaper to compare than tuple literals
    return "; ".join(" ".join(str(x) for x in c) for c in calls)


def raises(fn, *a):
    # fn(*a) must raise ValueError -> its message
    try:
        fn(*a)
    except ValueError as e:
        return str(e)
    raise AssertionError("accepted")


async def araises(aw):
    # the awaitable must raise ValueError -> its message
    try:
        await aw
    except ValueError as e:
        return str(e)
    raise AssertionError("accepted")

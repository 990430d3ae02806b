"""The simulated module's LwM2M 1.0 client over CoAP/UDP: ``sim.network`` when a
Simulator is made with ``coap=True`` (see network.py for the interface).

It registers with the server named by ``AT+QLWCONFIG`` (POST /rd, link-format object list,
Location-Path kept), updates and de-registers on the modem's behalf, turns server requests
on custom objects into the note's URCs and the MCU's response commands into CoAP answers,
answers the built-in Device (3) and Server (1) objects itself, and sends ``AT+QLWNOTIFY``
as observe notifications on the matching observation (CON with the retransmission of
``AT+QLWCFG="retransmit"``/``"retransmit_mode"``, report_ack from the real ACK).

CoAP messages are encoded and decoded with aiocoap's ``Message``; the exchange layer (message
ids, tokens, retransmission, de-duplication, observe) is here, so its timing follows the
module's settings and every outcome reaches the MCU. Runs its own asyncio loop in a thread;
every touch of the modem is under ``sim.lock``. Plain UDP (security mode 3) only: PSK mode
(DTLS) is refused with a clear error.
"""
import asyncio
import ipaddress
import os
import threading

from aiocoap import ACK, CON, NON, RST, Message
from aiocoap.numbers.codes import Code

from . import atparse as P
from . import lwm2mjson, tlv
from .atparse import CmeError

TEXT, LINK, OPAQUE, TLV_CF, JSON_CF = 0, 40, 42, 11542, 11543
# the note's read/write result codes -> CoAP response codes
RESULT_CODE = {1: Code.CONTENT, 2: Code.CHANGED, 11: Code.BAD_REQUEST, 12: Code.UNAUTHORIZED,
               13: Code.NOT_FOUND, 14: Code.METHOD_NOT_ALLOWED, 15: Code.NOT_ACCEPTABLE}
# CoAP error answers to our requests -> <status_code> (chapter 6)
STATUS_OF_CODE = {Code.BAD_REQUEST: 10, Code.FORBIDDEN: 13, Code.NOT_FOUND: 14,
                  Code.PRECONDITION_FAILED: 22}
TIMEOUT, NOT_SENT, UPDATE_FAILED, RESET = 1, 2, 4, 9
# the built-in objects the simulated module answers itself (note 3.2.1: 1 and 3 of them)
DEVICE = {0: (1, "Quectel"), 1: (1, "BC66"), 3: (1, "BC66NBR01A10")}


class CoapError(RuntimeError):
    """The CoAP link cannot do what was asked (e.g. PSK mode without DTLS)."""


class _Obs:
    """One observation the server holds on a path."""

    def __init__(self, token, remote, accept, path):
        self.token, self.remote, self.accept, self.path = token, remote, accept, path
        self.seq = 0


class _Request:
    """A server request handed to the MCU; ``parts`` collect until index 0."""

    def __init__(self, kind, future):
        self.kind, self.future, self.parts = kind, future, []


class CoapLink:
    def __init__(self, sim):
        self.sim = sim
        self.loop = asyncio.new_event_loop()
        self.transport = None
        self.location = None          # the Location-Path of our registration
        self.server = None            # (host, port) registered with
        self.observations = {}        # (obj, inst, res) -> _Obs
        self.requests = {}            # URC msgid -> _Request
        self._waiting = {}            # token -> future of a response to our request
        self._acks = {}               # message id of our CON -> future of the ACK/RST
        self._answered = {}           # (remote, mid) of server requests -> encoded answer
        self._tok = int.from_bytes(os.urandom(2), "big")
        self._reg_done = asyncio.Event()   # clear while a registration is in flight
        self._reg_done.set()
        self.sent = []                # (kind, detail) of what went out, for tests/demo
        self.log = None               # callable(text): every exchange, as it happens
        self._thread = threading.Thread(target=self._run, name="bc66sim-coap", daemon=True)

    # ---- lifecycle ---------------------------------------------------------------------
    def start(self):
        ready = threading.Event()
        self.loop.call_soon(ready.set)
        self._thread.start()
        ready.wait(5)
        return self

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()
        tasks = asyncio.all_tasks(self.loop)       # stopped: end what is in flight
        for t in tasks:
            t.cancel()
        self.loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        self.loop.close()

    def stop(self):
        if not self._thread.is_alive():
            return
        def halt():
            if self.transport:
                self.transport.close()
            self.loop.stop()
        self.loop.call_soon_threadsafe(halt)
        self._thread.join(5)

    def _spawn(self, coro):
        """Run coro on the link's loop (callable from any thread, never blocks)."""
        self.loop.call_soon_threadsafe(lambda: self.loop.create_task(coro))

    def _event(self, text):
        self.sim.event("coap: " + text)
        if self.log:
            self.log(text)

    # ---- the seam (called under sim.lock) ------------------------------------------------
    def register(self, done):
        cfg = self.sim.nvram.data["config"]
        if cfg[0] == 1:
            self._event("bootstrap (BS_enabled 1) is not supported by the CoAP link: "
                        "registration refused; configure the LwM2M server directly")
            self.sim.later(0, lambda: done(NOT_SENT))
            return
        if cfg[5] == 0:
            self._event("PSK mode (security 0) needs DTLS, which the CoAP link does not "
                        "have: registration refused; use security mode 3")
            self.sim.later(0, lambda: done(NOT_SENT))
            return
        self._spawn(self._register(done, cfg[1], cfg[2], cfg[3], cfg[4]))

    def update(self, done, lifetime=None, binding=None, objects=False):
        self._spawn(self._update(done, lifetime, binding, objects))

    def deregister(self, done):
        self._spawn(self._deregister(done))

    def notify(self, parts, con, done):
        self._spawn(self._notify(parts, con, done))

    def respond(self, kind, msgid, result, part, index):
        rq = self.requests.get(msgid)
        if rq is None:
            return self.sim.server.respond(kind, msgid, result, part, index)
        if rq.kind != kind:
            raise CmeError(P.E_VALUE)
        if part is not None:
            rq.parts.append(part)
        if index == 0:
            del self.requests[msgid]
            fut = rq.future
            self.loop.call_soon_threadsafe(
                lambda: fut.done() or fut.set_result((result, rq.parts)))

    def forget(self, reason):
        for rq in self.requests.values():        # the server gets no answer to these
            fut = rq.future
            self.loop.call_soon_threadsafe(lambda f=fut: f.done() or f.set_result((None, [])))
        if self.requests:
            self._event("%d request(s) unanswered: %s" % (len(self.requests), reason))
        self.requests.clear()
        self.sim.server.forget(reason)

    def has_pending(self):
        return bool(self.requests) or self.sim.server.has_pending()

    def on_online(self):
        self.sim.server.on_online()

    # ---- helpers running on the loop -----------------------------------------------------
    def _modem(self, fn, *args):
        with self.sim.lock:
            return fn(*args)

    def _call(self, done, status):
        with self.sim.lock:
            done(status)
        self.sim._kick()

    def _timeouts(self):
        """Seconds to wait after each transmission of a CON (module time scaled)."""
        m = self.sim.modem
        t, n = m.cfg("retransmit")
        mode = m.cfg("retransmit_mode")[0]
        return [t * (1 if mode == 1 else 2 ** k) * self.sim.time_scale for k in range(n + 1)]

    def _token(self):
        self._tok = (self._tok + 1) & 0xFFFFFFFF
        return self._tok.to_bytes(4, "big")

    def _next_mid(self):
        with self.sim.lock:
            return self.sim.modem.next_msgid()

    async def _ensure_socket(self, host, port):
        addrs = await self.loop.getaddrinfo(host, port, family=2, type=2)   # AF_INET, DGRAM
        addr = addrs[0][4]
        if self.transport is None:
            local = "127.0.0.1" if ipaddress.ip_address(addr[0]).is_loopback else "0.0.0.0"
            self.transport, _ = await self.loop.create_datagram_endpoint(
                lambda: _Proto(self), local_addr=(local, 0))
        self.server = addr
        return addr

    async def _send_con(self, msg, remote):
        """Send a CON and retransmit until ACK/RST -> the ACK/RST message or None."""
        fut = self.loop.create_future()
        self._acks[msg.mid] = fut
        data = msg.encode()
        try:
            for i, wait in enumerate(self._timeouts()):
                if i:
                    self._event("retransmission %d of MID %d" % (i, msg.mid))
                self.transport.sendto(data, remote)
                try:
                    return await asyncio.wait_for(asyncio.shield(fut), wait)
                except asyncio.TimeoutError:
                    continue
            return None
        finally:
            self._acks.pop(msg.mid, None)

    async def _exchange(self, code, path, query=(), payload=b"", cf=None):
        """One CON request to the server -> the response message or None (timeout)."""
        msg = Message(code=code, uri_path=path, uri_query=query, payload=payload)
        msg.mtype, msg.mid, msg.token = CON, self._next_mid(), self._token()
        if cf is not None:
            msg.opt.content_format = cf
        resp = self.loop.create_future()
        self._waiting[msg.token] = resp
        try:
            ack = await self._send_con(msg, self.server)
            if ack is None or ack.mtype == RST:
                return None
            if ack.code != Code.EMPTY:
                return ack
            total = sum(self._timeouts())             # separate response
            return await asyncio.wait_for(resp, total)
        except asyncio.TimeoutError:
            return None
        finally:
            self._waiting.pop(msg.token, None)

    def _link_format(self):
        with self.sim.lock:
            objs = [(o, i) for o, i, _ in self.sim.nvram.data["objects"]]
        return ",".join("</%d/%d>" % oi for oi in [(1, 0), (3, 0)] + objs).encode()

    def _status(self, resp, ok):
        if resp is None:
            return TIMEOUT
        if resp.code == ok:
            return 0
        return STATUS_OF_CODE.get(resp.code, UPDATE_FAILED)

    # ---- registration ----------------------------------------------------------------------
    async def _register(self, done, host, port, endpoint, lt):
        try:
            await self._ensure_socket(host, port)
        except OSError as e:
            self._event("cannot reach %s:%s: %s" % (host, port, e))
            self._call(done, NOT_SENT)
            return
        with self.sim.lock:
            binding = self.sim.modem.binding
        self.observations.clear()          # a new registration: the server observes anew
        self._reg_done.clear()
        query = ("ep=%s" % endpoint, "lt=%d" % lt, "lwm2m=1.0", "b=%s" % binding)
        body = self._link_format()
        self.sent.append(("register", "/rd?" + "&".join(query) + " " + body.decode()))
        resp = await self._exchange(Code.POST, ("rd",), query, body, LINK)
        status = self._status(resp, Code.CREATED)
        if status == 0:
            self.location = tuple(resp.opt.location_path)
            self._event("registered at /%s" % "/".join(self.location))
        else:
            self._event("registration failed: %s" % (resp.code if resp else "no answer"))
        self._call(done, status)
        self._reg_done.set()

    async def _update(self, done, lifetime, binding, objects):
        if self.location is None:
            self._call(done, UPDATE_FAILED)
            return
        query = []
        if lifetime is not None:
            query.append("lt=%d" % lifetime)
        if binding is not None:
            query.append("b=%s" % binding)
        body = self._link_format() if objects else b""
        self.sent.append(("update", "/%s?%s %s" % ("/".join(self.location), "&".join(query),
                                                    body.decode())))
        resp = await self._exchange(Code.POST, self.location, tuple(query), body,
                                    LINK if objects else None)
        status = self._status(resp, Code.CHANGED)
        self._event("update /%s%s -> %s" % ("/".join(self.location),
                                            "?" + "&".join(query) if query else "",
                                            resp.code if resp else "no answer"))
        if status not in (0, TIMEOUT):
            self._event("update refused (%s): the registration is gone" % resp.code)
            self.location = None
        self._call(done, status)

    async def _deregister(self, done):
        if self.location is None:
            self._call(done, 0)
            return
        self.sent.append(("deregister", "/" + "/".join(self.location)))
        resp = await self._exchange(Code.DELETE, self.location)
        self._event("de-register /%s -> %s" % ("/".join(self.location),
                                               resp.code if resp else "no answer"))
        self.location = None
        self.observations.clear()
        self._call(done, self._status(resp, Code.DELETED))

    # ---- notifications -----------------------------------------------------------------------
    async def _notify(self, parts, con, done):
        p0 = parts[0]
        obs = (self.observations.get((p0.obj, p0.inst, p0.res))
               or self.observations.get((p0.obj, p0.inst, -1)))
        if obs is None or self.transport is None:
            self._event("notify %s: no observation of it, nothing sent" % p0.path)
            if con:
                self._call(done, NOT_SENT)
            return
        values = _merge([(p.obj, p.inst, p.res, p.vtype, p.value) for p in parts])
        code, cf, payload = _encode(obs.accept, obs.path, values)
        obs.seq = (obs.seq + 1) & 0xFFFFFF
        msg = Message(code=code, payload=payload)
        # a CON goes out with the message id the MCU got in +QLWURC: "report"
        mid = p0.msgid if con and p0.msgid is not None else self._next_mid()
        msg.mtype, msg.mid, msg.token = (CON if con else NON), mid, obs.token
        msg.opt.observe = obs.seq
        if cf is not None:
            msg.opt.content_format = cf
        self.sent.append(("notify", "%s %s #%d" % (p0.path, "CON" if con else "NON", obs.seq)))
        self._event("notify %s %s #%d" % (p0.path, "CON" if con else "NON", obs.seq))
        if not con:
            self.transport.sendto(msg.encode(), obs.remote)
            return
        ack = await self._send_con(msg, obs.remote)
        if ack is None:
            status = TIMEOUT
        elif ack.mtype == RST:
            status = RESET
            self.observations.pop(obs.path, None)
            self._event("notification reset by the server: observation %s dropped"
                        % (obs.path,))
        else:
            status = 0
        self._call(done, status)

    # ---- incoming datagrams --------------------------------------------------------------------
    def received(self, data, remote):
        try:
            msg = Message.decode(data, remote)
        except Exception as e:   # aiocoap raises several types for garbage
            self._event("undecodable datagram from %s dropped: %s" % (remote, e))
            return
        if msg.mtype in (ACK, RST) and msg.mid in self._acks:
            f = self._acks[msg.mid]
            if not f.done():
                f.set_result(msg)
            if msg.code == Code.EMPTY or msg.mtype == RST:
                return
        if msg.code.is_response():
            f = self._waiting.get(msg.token)
            if msg.mtype == CON:
                self._send_empty(ACK, msg.mid, remote)
            if f is not None and not f.done():
                f.set_result(msg)
            return
        if msg.code.is_request():
            key = (remote, msg.mid)
            if key in self._answered:
                if self._answered[key] is not None:      # a duplicate: the same answer
                    self.transport.sendto(self._answered[key], remote)
                return
            self._answered[key] = None
            if len(self._answered) > 256:
                del self._answered[next(iter(self._answered))]
            self.loop.create_task(self._serve(msg, remote, key))
        elif msg.mtype == CON:                           # a CoAP ping
            self._send_empty(RST, msg.mid, remote)

    def _send_empty(self, mtype, mid, remote):
        e = Message(code=Code.EMPTY)
        e.mtype, e.mid, e.token = mtype, mid, b""
        self.transport.sendto(e.encode(), remote)

    def _answer(self, req, remote, key, code, payload=b"", cf=None, observe=None):
        r = Message(code=code, payload=payload)
        r.mtype = ACK if req.mtype == CON else NON
        r.mid = req.mid if req.mtype == CON else self._next_mid()
        r.token = req.token
        if cf is not None:
            r.opt.content_format = cf
        if observe is not None:
            r.opt.observe = observe
        data = r.encode()
        self._answered[key] = data
        self.transport.sendto(data, remote)
        self._event("%s /%s%s -> %s%s" % (
            req.code, "/".join(req.opt.uri_path), " (observe)" if observe is not None else "",
            code, " %s" % _show(payload, cf) if payload else ""))

    # ---- serving server requests --------------------------------------------------------------
    async def _serve(self, req, remote, key):
        try:
            path = [int(x) for x in req.opt.uri_path]
        except ValueError:
            return self._answer(req, remote, key, Code.NOT_FOUND)
        if not 1 <= len(path) <= 3:
            return self._answer(req, remote, key, Code.NOT_FOUND)
        obj, inst, res = (path + [-1, -1])[:3]
        kind, flag = _kind_of(req, len(path))
        if kind is None:
            return self._answer(req, remote, key, Code.METHOD_NOT_ALLOWED)
        accept = req.opt.accept
        if accept is not None and int(accept) not in (TEXT, OPAQUE, TLV_CF, JSON_CF):
            return self._answer(req, remote, key, Code.NOT_ACCEPTABLE)
        accept = None if accept is None else int(accept)
        if obj in (1, 3):
            return self._builtin(req, remote, key, kind, obj, inst, res, accept)
        with self.sim.lock:
            known = self.sim.modem.has_object(obj, inst)
        if not known or len(path) < 2:
            return self._answer(req, remote, key, Code.NOT_FOUND if not known
                                else Code.METHOD_NOT_ALLOWED)
        if kind == "attributes":
            return self._answer(req, remote, key, Code.CHANGED)
        if kind == "write":
            return await self._serve_write(req, remote, key, obj, inst, res)
        if kind == "execute":
            result, _ = await self._ask("execute", '"execute",%%d,%d,%d,%d' % (obj, inst, res))
            return self._answer_result(req, remote, key, result)
        if kind == "observe":
            result, parts = await self._ask(
                "observe", '"observe",%%d,%d,%d,%d,%d' % (flag, obj, inst, res))
        else:
            result, parts = await self._ask("read", '"read",%%d,%d,%d,%d' % (obj, inst, res))
        if result is None:
            return None
        if result != 1:
            return self._answer_result(req, remote, key, result)
        code, cf, payload = _encode(accept, (obj, inst, res), _merge(parts))
        observe = None
        if kind == "observe" and flag == 0 and code == Code.CONTENT:
            o = _Obs(req.token, remote, accept, (obj, inst, res))
            self.observations[(obj, inst, res)] = o
            observe = o.seq
        elif kind == "observe":
            self.observations.pop((obj, inst, res), None)
        self._answer(req, remote, key, code, payload, cf, observe)

    def _answer_result(self, req, remote, key, result):
        if result is None:
            return
        self._answer(req, remote, key, RESULT_CODE.get(result, Code.INTERNAL_SERVER_ERROR))

    async def _ask(self, kind, urc):
        """Hand one request to the MCU as its URC -> (result, parts), (None, []) on timeout."""
        fut = self.loop.create_future()
        if not self._reg_done.is_set():
            # the server may ask as soon as it sent 2.01, before our registration finished
            try:
                await asyncio.wait_for(self._reg_done.wait(), 5.0)
            except asyncio.TimeoutError:
                pass
        with self.sim.lock:
            m = self.sim.modem
            if m.state not in (2, 6, 7):
                return 13, []
            mid = m.next_msgid()
            self.requests[mid] = _Request(kind, fut)
            m.deliver(urc % mid)
        self.sim._kick()
        try:
            return await asyncio.wait_for(fut, self.sim.server.deadline_s)
        except asyncio.TimeoutError:
            with self.sim.lock:
                self.requests.pop(mid, None)
            self._event("%s %d: the MCU did not answer within %.1f s; no CoAP answer"
                        % (kind, mid, self.sim.server.deadline_s))
            return None, []

    async def _serve_write(self, req, remote, key, obj, inst, res):
        cf = req.opt.content_format
        cf = None if cf is None else int(cf)
        try:
            if cf in (None, TEXT, OPAQUE):
                if res < 0:
                    return self._answer(req, remote, key, Code.BAD_REQUEST)
                items = [(obj, inst, res, 2 if cf == OPAQUE else 1, req.payload)]
            elif cf == TLV_CF:
                items = _tlv_items(tlv.decode(req.payload), obj, inst, res)
            elif cf == JSON_CF:
                items = lwm2mjson.decode(req.payload, (obj, inst))
            else:
                return self._answer(req, remote, key, Code.UNSUPPORTED_CONTENT_FORMAT)
        except (tlv.TLVError, lwm2mjson.JSONFormatError) as e:
            self._event("write payload refused: %s" % e)
            return self._answer(req, remote, key, Code.BAD_REQUEST)
        result = 2
        for o, i, r, vtype, data in items:     # one URC per resource (note: index 0 only)
            data = bytes(data)
            got, _ = await self._ask("write", '"write",%%d,%d,%d,%d,%d,%d,"%s",0'
                                     % (o, i, r, vtype, len(data), data.hex().upper()))
            if got is None:
                return None
            if got != 2:
                result = got
                break
        self._answer_result(req, remote, key, result)

    def _builtin(self, req, remote, key, kind, obj, inst, res, accept):
        """Device 3 and Server 1, answered by the module itself."""
        if inst not in (-1, 0):
            return self._answer(req, remote, key, Code.NOT_FOUND)
        if kind == "execute":
            if (obj, res) == (1, 8):                  # registration update trigger (5.7.1)
                self._answer(req, remote, key, Code.CHANGED)
                with self.sim.lock:
                    self.sim.modem._ping(automatic=False)
                return None
            return self._answer(req, remote, key, Code.METHOD_NOT_ALLOWED)
        if kind == "attributes":
            return self._answer(req, remote, key, Code.CHANGED)
        if kind == "write" and (obj, res) == (1, 1):
            return self._write_lifetime(req, remote, key)
        if kind not in ("read", "observe"):
            return self._answer(req, remote, key, Code.METHOD_NOT_ALLOWED)
        with self.sim.lock:
            m = self.sim.modem
            table = dict(DEVICE) if obj == 3 else {
                0: (3, 1), 1: (3, m.lifetime or self.sim.nvram.data["config"][4]),
                6: (5, False), 7: (1, m.binding)}
            if obj == 3:
                table[2] = (1, m.imei)
        if res >= 0 and res not in table:
            return self._answer(req, remote, key, Code.NOT_FOUND)
        rids = [res] if res >= 0 else sorted(table)
        parts = [(obj, 0, r) + table[r] for r in rids]
        code, cf, payload = _encode(accept, (obj, 0, res), parts)
        self._answer(req, remote, key, code, payload, cf)


    def _write_lifetime(self, req, remote, key):
        """Server write of 1/0/1: the module takes the new lifetime, tells the MCU
        (``lifetime_changed``) and updates its registration with it."""
        cf = req.opt.content_format
        try:
            if cf is not None and int(cf) == TLV_CF:
                (t,) = tlv.decode(req.payload)
                lt = tlv.decode_value(3, t.value)
            else:
                lt = int(req.payload.decode())
        except (ValueError, tlv.TLVError):
            return self._answer(req, remote, key, Code.BAD_REQUEST)
        if not 20 <= lt <= 31536000:
            return self._answer(req, remote, key, Code.BAD_REQUEST)
        self._answer(req, remote, key, Code.CHANGED)
        with self.sim.lock:
            m = self.sim.modem
            m.lifetime = lt
            m._save_ctx(True)
            m._schedule_update()
            m.emit('+QLWURC: "lifetime_changed",%d' % lt)
        self.update(lambda status: None, lifetime=lt)
        return None


class _Proto(asyncio.DatagramProtocol):
    def __init__(self, link):
        self.link = link

    def datagram_received(self, data, addr):
        self.link.received(data, addr)

    def error_received(self, exc):      # ICMP errors (server down): retransmission handles it
        pass


def _show(payload, cf):
    """A short printable form of an answer's payload."""
    if cf == TLV_CF:
        try:
            return "TLV " + ", ".join("%d=%s" % (t.id, bytes(t.value).hex())
                                      for t in tlv.decode(payload) if t.kind == tlv.RESOURCE)
        except tlv.TLVError:
            pass
    text = bytes(payload)[:60]
    return repr(text.decode("utf-8", "replace")) if cf in (TEXT, JSON_CF) else text.hex()


def _kind_of(req, depth):
    """The LwM2M operation of a request -> (kind, observe flag)."""
    if req.code == Code.GET:
        obs = req.opt.observe
        if obs is None:
            return "read", None
        return "observe", 1 if obs == 1 else 0
    if req.code in (Code.PUT, Code.POST):
        if req.payload:
            return "write", None
        if req.code == Code.PUT and req.opt.uri_query:
            return "attributes", None
        if req.code == Code.POST and depth == 3:
            return "execute", None
    return None, None


def _merge(parts):
    """Join consecutive parts of one resource (a long value split with index N-1..0)."""
    out = []
    for p in parts:
        if out and out[-1][:3] == p[:3] and p[3] in (1, 2):
            last = out[-1]
            out[-1] = last[:4] + (last[4] + p[4],)
        else:
            out.append(tuple(p))
    return out


def _text(vtype, value):
    if vtype == 5:
        return b"1" if value else b"0"
    if vtype == 2:
        return bytes(value)
    return str(value).encode()


def _encode(accept, path, parts):
    """Answer values in the requested format -> (code, content format, payload)."""
    obj, inst, res = path
    single = res >= 0 and len(parts) == 1
    if accept == JSON_CF:
        return Code.CONTENT, JSON_CF, lwm2mjson.encode("/%d/%d/" % (obj, inst), parts)
    if accept == TLV_CF or (accept is None and not single):
        items = [tlv.TLV(tlv.RESOURCE, p[2], tlv.encode_value(p[3], p[4])) for p in parts]
        return Code.CONTENT, TLV_CF, tlv.encode(items)
    if not single:
        return Code.NOT_ACCEPTABLE, None, b""
    vtype, value = parts[0][3], parts[0][4]
    if accept == OPAQUE or (accept is None and vtype == 2):
        if vtype != 2:
            return Code.NOT_ACCEPTABLE, None, b""
        return Code.CONTENT, OPAQUE, bytes(value)
    if vtype == 2:                      # opaque has no text form in LwM2M 1.0
        return Code.NOT_ACCEPTABLE, None, b""
    return Code.CONTENT, TEXT, _text(vtype, value)


def _tlv_items(tlvs, obj, inst, res):
    """A TLV write payload -> [(obj, inst, res, vtype 2, value bytes)] (types are the MCU's
    to know: the raw TLV value goes up as opaque)."""
    items = []
    for t in tlvs:
        if t.kind == tlv.OBJECT_INSTANCE:
            if t.id != inst:
                raise tlv.TLVError("instance %d written on /%d/%d" % (t.id, obj, inst))
            items += _tlv_items(t.value, obj, inst, res)
        elif t.kind == tlv.RESOURCE:
            if res >= 0 and t.id != res:
                raise tlv.TLVError("resource %d written on /%d/%d/%d" % (t.id, obj, inst, res))
            items.append((obj, inst, t.id, 2, t.value))
        else:
            raise tlv.TLVError("multiple-instance resources are not supported by the module")
    return items

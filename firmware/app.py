"""The node application: wires the BC66 driver, the object model, the node and the sensors.

``firmware/main.py`` is the entry point; this module is compiled to .mpy with the library.
"""
import sys
import asyncio

from bc66 import log

_TAG = "app"


def parse_args(argv, board):
    """``--name value`` pairs -> dict, with the board's defaults."""
    a = {"port": None, "config": board.CONFIG, "pins": None, "log": "info", "state": None}
    i = 1
    while i < len(argv):
        k = argv[i]
        if not k.startswith("--") or i + 1 >= len(argv) or k[2:] not in a:
            raise SystemExit("usage: main.py --port DEV --config FILE [--pins FILE] "
                             "[--state DIR] [--log debug|info|warn]")
        a[k[2:]] = argv[i + 1]
        i += 2
    return a


class App:
    """Wires the driver, the object model, the node and the sensors together."""

    def __init__(self, board, cfg, args):
        from bc66.modem import BC66
        from lwm2m.objects import Model
        from lwm2m import ipso
        from lwm2m.node import Node
        from lwm2m.backoff import Backoff
        from lwm2m.store import State, makedirs
        import sensors

        self.board = board
        self.cfg = cfg
        state_dir = args["state"] or cfg.state_dir
        makedirs(state_dir)
        self.state = State(state_dir + "/state.json")
        self.modem = BC66(board.open_port(args["port"]))
        self.model = Model()
        self.temp = ipso.temperature(self.model) if "temperature" in cfg.objects else None
        self.volt = ipso.voltage(self.model) if "voltage" in cfg.objects else None
        self.data = (ipso.bindata(self.model, on_downlink=self.on_downlink)
                     if "bindata" in cfg.objects else None)
        self.sensor = sensors.open(board)
        bo = Backoff(cfg.backoff_base_s, cfg.backoff_cap_s, cfg.backoff_factor,
                     cfg.backoff_jitter, state=self.state)
        self.node = Node(self.modem, cfg, self.model, backoff=bo, state=self.state,
                         pins=board.Pins(args["pins"]))
        self.model.restore_observations(self.state.get("observed", []))
        self._seq = self.state.get("seq", 0)
        self.downlinks = 0

    def on_downlink(self, data):
        """A server write to 19/1/0: log it and echo its length on the next uplink."""
        self.downlinks += 1
        log.log(log.INFO, _TAG, "downlink %d bytes: %s", len(data), bytes(data).hex())
        return True

    def sample(self):
        """Read the sensors into the object model."""
        t, v = self.sensor.read()
        if self.temp:
            self.temp.update(t)
        if self.volt:
            self.volt.update(v)
        return t, v

    async def report(self):
        """Send the current readings as one uplink on 19/0/0 (seq, centi-degC, mV)."""
        t, v = self.sample()
        if self.data and self.node.registered.is_set():
            self._seq += 1
            payload = b"%d,%d,%d,%d" % (self._seq, int(t * 100), int(v * 1000), self.downlinks)
            note = await self.data.send(payload)
            self.state.set("seq", self._seq)
            log.log(log.INFO, _TAG, "uplink #%d sent (%s)", self._seq,
                    "CON" if note.msgid is not None else "NON")

    async def sensors_loop(self):
        while True:
            await self.node.registered.wait()
            try:
                await self.report()
            except Exception as e:  # a failed uplink must not stop the sensor loop
                log.log(log.WARN, _TAG, "report failed: %s", e)
            self.state.set("observed", self.model.observations())
            self.state.save()
            self.log_stats()
            await asyncio.sleep(self.cfg.report_interval_s)

    def log_stats(self):
        """One line of health figures: heap in use after a collection, request counters."""
        import gc
        gc.collect()
        c = self.node.counters
        log.log(log.INFO, _TAG, "stats heap=%d free=%d req=%d dropped=%d reboots=%d",
                gc.mem_alloc(), gc.mem_free(), c["requests"], c["dropped_requests"],
                c["reboots"])

    async def run(self):
        await self.modem.start()
        self.sample()
        asyncio.create_task(self.sensors_loop())
        await self.node.run()

    async def shutdown(self):
        """Orderly stop: deregister, persist state, close the port."""
        self.node.stop()
        await self.node.deregister()
        self.state.set("observed", self.model.observations())
        self.state.save()
        await self.modem.stop()


def main(argv=None):
    import boards
    from lwm2m import config

    board = boards.load()
    args = parse_args(argv or sys.argv, board)
    log.level = {"debug": log.DEBUG, "info": log.INFO, "warn": log.WARN}.get(args["log"], log.INFO)
    try:
        cfg = config.load(args["config"])
    except config.ConfigError as e:
        log.log(log.ERROR, _TAG, "config: %s", e)
        raise SystemExit(2)
    if board.NAME == "unix" and not args["port"]:
        raise SystemExit("--port is required on the unix port")
    app = App(board, cfg, args)
    log.log(log.INFO, _TAG, "starting on %s, server %s:%d", board.NAME, cfg.host, cfg.port)
    try:
        asyncio.run(app.run())
    except KeyboardInterrupt:
        log.log(log.INFO, _TAG, "stopping")
        asyncio.run(app.shutdown())
    return app


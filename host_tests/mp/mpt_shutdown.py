# app.run_until_stopped, the one way the node stops, on the unix port and (frozen, C asyncio
# module) on the QEMU board: Ctrl-C landing in a task mid-step, in the main task, or during
# the shutdown; a task that kept dying; a fatal error. Each shutdown runs on the interrupted
# loop, cancels tasks queued in it (sleeping, waiting on an event) and waits for them: the
# sequence that made a new event loop crash in mp_pairheap_delete (MicroPython issue 12871).
import asyncio
from bc66 import log


class Node:
    """Tasks as a node has them: sleepers at different deadlines, one on an event, and one
    that is hit by the KeyboardInterrupt (``hit_in``: "task", "main" or None)."""

    def __init__(self, hit_in=None, fail=None, hit_shutdown=False):
        self.hit_in = hit_in
        self.fail = fail
        self.hit_shutdown = hit_shutdown
        self.tasks = []
        self.ended = []
        self.saved = 0
        self.event = asyncio.Event()

    async def sleeper(self, ms):
        try:
            while True:
                await asyncio.sleep_ms(ms)
        except asyncio.CancelledError:
            self.ended.append(ms)

    async def waiter(self):
        try:
            await self.event.wait()
        except asyncio.CancelledError:
            self.ended.append("event")

    async def hit(self):
        await asyncio.sleep_ms(5)
        raise KeyboardInterrupt  # as Ctrl-C lands: in the middle of this task's step

    async def work(self):
        for ms in (3, 20, 1000, 60000):
            self.tasks.append(asyncio.create_task(self.sleeper(ms)))
        self.tasks.append(asyncio.create_task(self.waiter()))
        if self.hit_in == "task":
            asyncio.create_task(self.hit())
        await asyncio.sleep_ms(10)
        if self.fail is not None:
            raise self.fail
        if self.hit_in == "main":
            raise KeyboardInterrupt
        await asyncio.sleep_ms(60000)

    async def shutdown(self, code):
        self.code = code
        for t in self.tasks:
            t.cancel()
        for t in self.tasks:  # every live task ends: none is left in the C task queue
            try:
                await t
            except asyncio.CancelledError:
                pass
        self.saved += 1
        if self.hit_shutdown:
            raise KeyboardInterrupt
        await asyncio.sleep_ms(1)


def _stop(node):
    import app
    lines = []
    log.sink = lines.append
    try:
        code = app.run_until_stopped(node.work, node.shutdown)
    finally:
        log.sink = None
    return code, lines


def test_ctrl_c_in_a_task_twenty_times():
    for i in range(20):
        n = Node(hit_in="task")
        code, lines = _stop(n)
        assert code == 0, (i, lines)
        assert sorted(n.ended, key=str) == sorted([3, 20, 1000, 60000, "event"], key=str), n.ended
        assert n.saved == 1
        assert any("stopping: interrupted (Ctrl-C)" in x for x in lines), lines
        assert lines[-1].endswith("app: stopped (exit 0)"), lines


def test_ctrl_c_in_the_main_task():
    n = Node(hit_in="main")
    code, lines = _stop(n)
    assert code == 0 and n.saved == 1 and len(n.ended) == 5, (code, n.ended, lines)


def test_task_died_exits_3_after_the_shutdown():
    from lwm2m.node import TaskDied
    n = Node(fail=TaskDied("serve", OSError(5)))
    code, lines = _stop(n)
    assert code == 3 and n.saved == 1, (code, lines)
    assert any("stopping: task serve died" in x for x in lines), lines


def test_fatal_error_exits_1_after_the_shutdown():
    n = Node(fail=ValueError("boom"))
    code, lines = _stop(n)
    assert code == 1 and n.saved == 1 and len(n.ended) == 5, (code, lines)
    assert any("stopping: fatal error: ValueError('boom',)" in x for x in lines), lines


def test_ctrl_c_during_the_shutdown_stops_at_once():
    n = Node(hit_in="main", hit_shutdown=True)
    code, lines = _stop(n)
    assert code == 130 and n.saved == 1, (code, lines)
    assert any("Ctrl-C during the shutdown" in x for x in lines), lines


def test_the_loop_still_runs_after_a_stop():
    # nothing of the stopped node is left to run: a later asyncio.run works as before
    _stop(Node(hit_in="task"))
    seen = []

    async def later():
        await asyncio.sleep_ms(2)
        seen.append(1)
    asyncio.run(later())
    assert seen == [1]

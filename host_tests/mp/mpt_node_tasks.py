# lib/lwm2m/node.py task supervision (issue 21 item 3): a task that dies is restarted after
# a back-off that doubles per death; its death count goes down over healthy running, so
# only deaths close together stop the node; a node that must stop on a board restarts the
# MCU (machine.reset()) instead of ending. Runs on the unix port and the QEMU board.
import asyncio
import time
from lwm2m import node as N


class _S:
    pass


def _node():
    md = _S()
    md.requests = _S()
    md.requests.stats = {}
    cfg = _S()
    cfg.lifetime = 300
    m = _S()
    m.add_urc_listener = m.on_requests = lambda fn: None
    md.request = None
    n = N.Node(m, cfg, md)
    n.task_backoff_ms, n.task_backoff_max_ms, n.task_decay_s = 40, 160, 1
    return n


async def test_restart_back_off_doubles_then_stops():
    n = _node()
    t = []

    async def dies():
        t.append(time.ticks_ms())
        raise OSError(5)

    n.spawn("t", dies)
    await n._tasks[0]
    assert len(t) == N.RESTARTS + 1 and isinstance(n._fatal, N.TaskDied), (t, n._fatal)
    gaps = [time.ticks_diff(t[i + 1], t[i]) for i in range(len(t) - 1)]
    assert gaps[0] >= 40 and gaps[1] >= 80 and gaps[2] >= 160, gaps
    assert n.counters["task_restarts"] == N.RESTARTS


async def test_deaths_decay_over_healthy_time():
    # three quick deaths, then 2.2 s of healthy running: that death is not the fatal
    # fourth (the count fell by two); a count that never went down stopped the node there
    n = _node()
    runs = [0]

    async def flaky():
        runs[0] += 1
        if runs[0] == 4:
            await asyncio.sleep_ms(2200)
        raise ValueError("transient")

    n.spawn("t", flaky)
    await n._tasks[0]
    assert runs[0] >= 6 and isinstance(n._fatal, N.TaskDied), runs
    assert n.counters["task_restarts"] == runs[0] - 1


async def test_task_that_returns_is_not_restarted():
    n = _node()
    runs = [0]

    async def once():
        runs[0] += 1

    n.spawn("t", once)
    await n._tasks[0]
    assert runs[0] == 1 and n._fatal is None


def test_board_restarts_the_mcu_instead_of_ending():
    import fakemachine as FM
    import boards
    import app
    m = FM.install("esp32")
    b = boards.make(dict(__import__("boards.esp32_devkitc", None, None, ("BOARD",)).BOARD),
                    m.hw["machine"])
    try:
        app.end(b, 3)
        raise AssertionError("returned")
    except FM.Reset:
        pass
    assert m.resets == 1
    try:
        app.end(boards.load("unix"), 3)  # no MCU reset (unix, QEMU): exit
        raise AssertionError("returned")
    except SystemExit as e:
        assert e.args[0] == 3


def test_a_stopped_node_sends_nothing():
    # a task a Ctrl-C cut mid-step can outlive its cancel (seen in test_node_lifecycle: the
    # reading's notify written after the shutdown's AT+QLWDEREG): once stop() is called,
    # can_send() is False whatever the registration says
    n = _node()
    n.registered.set()
    assert n.can_send()
    n.stop()
    assert not n.can_send() and n.registered.is_set()

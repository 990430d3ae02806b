# Issue 8 item 1: several tasks issue commands with the same deferred result prefix at
# once, the answers come at random delays; each caller gets its own result, every time.
import asyncio
import fakemodem
from fakemodem import engine as _eng  # noqa: E402

_TASKS = 3
_ROUNDS = 4


async def _run(fm, e, seed):
    # one engine for every seed (its 2 KB line buffer is allocated once: 40 KB boards)
    fm.seed = seed
    fm.written = []
    rnd = seed
    for k in range(_TASKS * _ROUNDS):  # the k-th command written gets message id 1000 + k
        rnd = (rnd * 1103515245 + 12345) & 0x7FFFFFFF
        d1 = (rnd >> 8) % 4  # 0: the report in the same read as OK
        d2 = (rnd >> 12) % 4  # 0: the deferred result in the same read as the report
        reply = ["OK"]
        if d1:
            reply.append(d1)
        reply.append('+QLWURC: "report",%d' % (1000 + k))
        if d2:
            reply.append(d2)
        reply.append("+QLWNOTIFY: 0")
        fm.expect(None, *reply)
    got = {}

    async def caller(t):
        for r in range(_ROUNDS):
            cmd = "AT+QLWNOTIFY=19,0,0,2,1,\"%02X\",0,1" % (t * _ROUNDS + r)
            info, line = await e.cmd(cmd, deferred="+QLWNOTIFY:", deferred_timeout_ms=3000,
                                     capture='+QLWURC: "report"')
            got[cmd] = (info, line)

    tasks = [asyncio.create_task(caller(t)) for t in range(_TASKS)]
    await asyncio.gather(*tasks)
    fm.check()
    assert len(got) == _TASKS * _ROUNDS, len(got)
    for k, cmd in enumerate(fm.written):
        info, line = got[cmd]
        assert line == "+QLWNOTIFY: 0", (cmd, line)
        assert info == ['+QLWURC: "report",%d' % (1000 + k)], (seed, cmd, k, info)
    assert e.stats["timeouts"] == 0, e.stats


async def test_same_deferred_prefix_each_caller_gets_its_own_result():
    import gc
    fm, e, urcs = _eng()
    for seed in range(1, 9):
        await _run(fm, e, seed)
        gc.collect()
    await e.stop()


async def test_same_deferred_notify_through_modem_each_gets_its_message_id():
    # the node's uplink and notifier tasks both notify at once (the make demo failure)
    fm, m, urcs = await fakemodem.modem()
    for k in range(6):
        fm.expect(None, "OK", k % 3, '+QLWURC: "report",%d' % (200 + k), k % 2,
                  "+QLWNOTIFY: 0")
    mids = {}

    async def send(t):  # three tasks, two uplinks each
        for i in (t, t + 3):
            mids[i] = await m.notify(19, 0, 0, 2, bytes([i]), con=True)

    await asyncio.gather(*[asyncio.create_task(send(t)) for t in range(3)])
    fm.check()
    for k, cmd in enumerate(fm.written[3:]):  # after AT, ATE0, AT+CMEE=1
        i = int(cmd.split('"')[1], 16)
        assert mids[i] == 200 + k, (k, cmd, mids)
    await m.stop()

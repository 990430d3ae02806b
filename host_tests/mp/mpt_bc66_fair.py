# The engine's one-command-at-a-time flag is fair: a task that sends command after command
# (the node's uplink loop against a dead module, say) cannot starve another task's command.
import asyncio
import fakemodem


async def test_busy_caller_does_not_starve_another():
    fm, e, urcs = fakemodem.engine()
    for _ in range(40):
        fm.expect(None, 2, "OK")  # any command, answered after 2 ms

    async def hog():
        for _ in range(30):
            await e.cmd("AT+HOG")

    t = asyncio.create_task(hog())
    await asyncio.sleep_ms(1)
    await e.cmd("AT+OTHER")
    i = fm.written.index("AT+OTHER")
    t.cancel()
    assert i <= 3, fm.written[:i + 1]

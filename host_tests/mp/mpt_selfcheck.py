# The MicroPython test runner itself: sync and async tests run, the heap is MCU-sized.
import gc
import asyncio


def test_heap_is_small():
    gc.collect()
    assert gc.mem_free() + gc.mem_alloc() <= 49152 + 1024


async def test_async_runs():
    await asyncio.sleep_ms(1)

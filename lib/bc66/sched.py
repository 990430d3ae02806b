"""The one place the driver touches asyncio's internals (docs/architecture.md, "Heap
measures kept"), each with a fallback on asyncio's public API.

Written for micropython-lib asyncio ``__version__`` (3, 0, 0) as in MicroPython v1.29
(the unix port and the vendored tree): ``asyncio.core._task_queue`` (a ``TaskQueue``
with ``remove``/``push``) and ``asyncio.core._io_queue`` (``queue_read``/``queue_write``).
``RUN_QUEUE`` and ``IO_QUEUE`` say whether they are what this module expects; where
not (another version, another asyncio), ``Sleeper`` waits on an ``Event`` with
``asyncio.wait_for_ms`` and ``transport.Port`` waits through ``asyncio.StreamReader``:
both allocate per wait, both work. Both queues are looked up at each call:
``asyncio.new_event_loop()`` replaces them.
"""
import asyncio

WRITTEN_FOR = (3, 0, 0)  # asyncio.__version__ this module was written for


def check(aio=asyncio):
    """-> (RUN_QUEUE, IO_QUEUE) for the asyncio module ``aio``: True where its version is
    ``WRITTEN_FOR`` and the internal used has the methods used."""
    if getattr(aio, "__version__", None) != WRITTEN_FOR:
        return False, False
    core = getattr(aio, "core", None)
    tq = getattr(core, "_task_queue", None)
    io = getattr(core, "_io_queue", None)
    return (hasattr(tq, "remove") and hasattr(tq, "push") and hasattr(aio, "current_task"),
            hasattr(io, "queue_read") and hasattr(io, "queue_write"))


RUN_QUEUE, IO_QUEUE = check()


def use_fallback(yes=True):
    """Use the public-API fallbacks from now on (tests; an asyncio found unfit at run time),
    or with ``yes`` False the internals again where ``check()`` finds them fit. Call it
    before the engine and its ports are made."""
    global RUN_QUEUE, IO_QUEUE
    RUN_QUEUE, IO_QUEUE = (False, False) if yes else check()


async def _wait_event(ev, timeout_ms):
    try:
        await asyncio.wait_for_ms(ev.wait(), timeout_ms)
    except asyncio.TimeoutError:
        pass


class Sleeper:
    """A timed sleep another task (or a callback) can end early: ``await x.sleep(ms)``
    returns at the deadline or once ``x.wake()`` is called. With ``RUN_QUEUE`` it
    allocates nothing: ``wake`` moves the sleeping task to the front of the run queue
    (``asyncio.wait_for_ms`` costs a task and two coroutines per wait)."""

    task = None  # the sleeping task, until woken (callers may clear it after the sleep)
    _event = None  # the fallback's Event (made on first use)

    def sleep(self, timeout_ms):
        self.task = asyncio.current_task()
        if RUN_QUEUE:
            return asyncio.sleep_ms(timeout_ms)
        ev = self._event
        if ev is None:
            ev = self._event = asyncio.Event()
        ev.clear()
        return _wait_event(ev, timeout_ms)

    def wake(self):
        t = self.task
        if t is not None:
            self.task = None
            if RUN_QUEUE:
                # only a task asleep in the run queue (``data`` None): push() clears
                # ``data``, so a cancelled task (its CancelledError there, already due)
                # moved again would run on as if never cancelled (a Ctrl-C's shutdown
                # cancels a task whose command answer the reader takes first)
                if t.data is None:
                    q = asyncio.core._task_queue
                    q.remove(t)
                    q.push(t)
            elif self._event is not None:
                self._event.set()


def queue_read(s):
    """With ``IO_QUEUE``: the running task resumes when ``s`` is readable, once it yields
    (``yield sched.queue_read(s)`` in an ``async def``: no coroutine made)."""
    asyncio.core._io_queue.queue_read(s)


def queue_write(s):
    """As ``queue_read``, for ``s`` writable."""
    asyncio.core._io_queue.queue_write(s)

"""LwM2M object model for the BC66, in three parts, each readable alone:

- ``lwm2m.registry``: ``Obj`` tables and their values (``add``, ``set``, ``value``,
  ``sync_objects``);
- ``lwm2m.answering``: server requests answered (``request`` from the reader task,
  ``serve``, ``handle``), each exactly once, never raising;
- ``lwm2m.observing``: observations and notifications (``observe``, ``notify``, ``run``,
  report_ack and reboot through ``on_urc``).

``Model`` is the three together; this module is what the rest of the node imports.
"""
from bc66.values import T_STRING, T_OPAQUE, T_INTEGER, T_FLOAT, T_BOOLEAN  # noqa: F401
from bc66.values import (CONTENT, CHANGED, BAD_REQUEST, UNAUTHORIZED,  # noqa: F401
                         NOT_FOUND, NOT_ALLOWED, CHANGE_RESULTS)
from lwm2m.registry import (R, W, X, MAX_OBJECTS, MAX_INSTANCES, MAX_RESOURCES,  # noqa: F401
                            NotifyOptions, Obj, Registry)
from lwm2m.answering import Answering
from lwm2m.observing import (PENDING, DROPPED, EXPIRED, RESET, Note,  # noqa: F401
                             Observation, Observing, Watched, _SENT_NON)


class Model(Registry, Answering, Observing):
    """Registry of objects; answers requests, tracks observations and notifications."""

    def __init__(self, modem=None, max_observations=16, max_watched=32, max_pending=8,
                 ack_timeout_ms=120000, retry_ms=2000):
        self._init_registry(modem)
        self._init_answering()
        self._init_observing(max_observations, max_watched, max_pending, ack_timeout_ms,
                             retry_ms)
        self.stats = {"requests": 0, "answer_errors": 0, "handler_errors": 0, "obs_dropped": 0,
                      "sent": 0, "notes_dropped": 0, "notify_errors": 0,
                      "acks_unmatched": 0}

"""``make demo`` (``python -m tools.demo``), CPython on the PC: the firmware (unix port or
the QEMU board) against the simulated BC66, and a server session with a verdict per step.

- local: the session played by the simulator's own server (the default);
- server: the same node against a real LwM2M server over CoAP (``SERVER=wakaama`` or
  ``SERVER=coap://HOST:PORT``; Wakaama's lwm2mserver from tools/wakaama.py);
- session: the steps and the orderly stop both share (so local and server import it, not
  each other).
"""

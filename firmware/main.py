"""The node application's entry: one file for boards and for the unix port.

Unix port:  micropython firmware/main.py --port /dev/pts/N --config config.json
            (--port tcp:127.0.0.1:PORT for the simulator's TCP listener; --pins FILE is the
            simulator's control file for RESET/PWRKEY/PSM_EINT; --state DIR; --log LEVEL)
Boards:     main.py runs at boot; config from flash, pins from boards/<board>.py.
Kept tiny on purpose: it is compiled on the device; everything else is .mpy.
"""
import sys

if sys.platform in ("linux", "darwin"):
    _here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
    for _p in (_here, _here + "/../lib", _here + "/.."):
        if _p not in sys.path:
            sys.path.append(_p)

try:
    from lwm2m import swupdate

    swupdate.boot()  # an application package installed through object 9 comes first (or not)
    import app

    app.main()  # a Ctrl-C once the node runs: its orderly stop (app.run_until_stopped)
except KeyboardInterrupt:  # Ctrl-C before that (imports, config, App()): nothing was sent
    import gc  # to the module yet; a stop as clean as a later one's (exit 0, no traceback)

    gc.collect()  # (a Ctrl-C inside a collection leaves the heap locked)
    from bc66 import log

    log.log(log.INFO, "app", "stopping: interrupted (Ctrl-C) while starting")
    log.log(log.INFO, "app", "stopped (exit 0)")

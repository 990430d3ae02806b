"""BC66 NB-IoT LwM2M driver: AT engine, transports, typed command API.

Import the parts you need: ``bc66.at.ATEngine``, ``bc66.modem.BC66``,
``bc66.transport.open_serial / open_uart / open_tcp``, ``bc66.urc.parse``.
"""
from .errors import BC66Error, ATTimeout, CommandError, StatusError, Rebooted  # noqa: F401

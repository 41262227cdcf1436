"""One logger for the ML code: dbt's log inside a dbt run, the standard logging module outside."""

import logging

LOGGER_NAME = "one_click"


def get_logger():
    """The logger progress and warnings go to.

    Inside a dbt command it is dbt's AdapterLogger, so messages show in dbt's console and in
    logs/dbt.log; elsewhere (pytest, scripts) a standard logging.Logger named "one_click".
    Both have .info and .warning.
    """
    if _inside_dbt():
        from dbt.adapters.events.logging import AdapterLogger

        return AdapterLogger(LOGGER_NAME)
    return logging.getLogger(LOGGER_NAME)


def _inside_dbt() -> bool:
    """True when dbt has set up its event loggers in this process (a dbt command is running)."""
    try:
        from dbt_common.events.event_manager_client import get_event_manager
    except ImportError:
        return False
    return bool(getattr(get_event_manager(), "loggers", None))

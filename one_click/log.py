"""One logger for the package: dbt's log inside a dbt run, the standard logging module outside."""

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
    """True while a dbt command runs in this process (dbt has set its flags, e.g. WHICH=build).

    Importing dbt alone is not enough: it sets up a default console logger on import.
    """
    try:
        from dbt.flags import get_flags
    except ImportError:
        return False
    return getattr(get_flags(), "WHICH", None) is not None

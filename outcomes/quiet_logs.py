"""Library chatter stays out of normal output. Great Expectations logs its internals at INFO, and one of its
modules (``great_expectations.data_context.types.base``) sets its own logger to INFO when imported, so every
gate printed "Created temporary directory ... for ephemeral docs site" whatever the parent logger's level."""

from __future__ import annotations

import logging

NOISY = ("great_expectations",)


class LibraryNoise(logging.Filter):
    """Drops records below WARNING from the noisy libraries, whatever level their own loggers set."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or not record.name.startswith(NOISY)


def quiet_handlers() -> None:
    """Add the filter to every handler of the root logger (call after ``logging.basicConfig``)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, LibraryNoise) for f in handler.filters):
            handler.addFilter(LibraryNoise())


def quiet_gx_loggers() -> None:
    """Set GX's loggers back to WARNING after GX is imported (for processes whose handlers are not ours, such
    as an Airflow task's)."""
    import great_expectations.data_context.types.base  # noqa: F401 - the import sets its logger to INFO

    for name in ("great_expectations", "great_expectations.data_context.types.base"):
        logging.getLogger(name).setLevel(logging.WARNING)

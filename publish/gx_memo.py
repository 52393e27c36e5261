"""Each expectation's configuration built once per validation, not once for every question GX asks of it.

GX's ``Expectation.configuration`` is a property: every read dumps the expectation's pydantic fields and builds a new
``ExpectationConfiguration`` from them (a deep copy of its arguments among it). A validation reads it for each
success, domain and runtime argument of each expectation, as it builds the metrics graph and again as it judges the
metrics: 66 times an expectation in the raw gate, 13,227 builds for the synthetic year's 199 expectations and about
a tenth of a gate's time (bench/results.md, issue 18, twenty-third round).

Inside :func:`configurations_built_once`, the property returns the configuration it built first for that expectation
object. GX validates expectation objects it makes afresh from the suite's configurations for each validation, and
nothing changes them while it runs (a block around two validations of one suite keeps each one's apart: they are
other objects); the block ends with the validation, and the configurations it kept go with it.
Outside the block, and on a thread the block did not start (its context does not carry the block's memo), the
property is GX's own. :func:`install` replaces the property once per process; it is ``Project``'s to call.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

# id(expectation) -> (expectation, its configuration); the expectation is held so that its id is not reused
_BUILT: ContextVar[dict[int, tuple[Any, Any]] | None] = ContextVar("gx_configurations_built", default=None)
_INSTALL_LOCK = threading.Lock()
_installed = False


def install() -> None:
    """Make ``Expectation.configuration`` consult the memo of the running :func:`configurations_built_once` block
    (GX's own property builds the configuration, as before, whenever there is no block or the object is new to it)."""
    global _installed
    with _INSTALL_LOCK:
        if _installed:
            return
        from great_expectations.expectations.expectation import Expectation

        build = Expectation.configuration.fget

        def configuration(self: Any) -> Any:
            built = _BUILT.get()
            if built is None:
                return build(self)
            kept = built.get(id(self))
            if kept is None or kept[0] is not self:
                kept = built[id(self)] = (self, build(self))
            return kept[1]

        configuration.__doc__ = build.__doc__
        Expectation.configuration = property(configuration)
        _installed = True


@contextmanager
def configurations_built_once() -> Iterator[None]:
    """Within the block, each expectation object's configuration is built once (see the module's docstring)."""
    token = _BUILT.set({})
    try:
        yield
    finally:
        _BUILT.reset(token)

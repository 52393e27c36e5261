"""outcomes.pipeline.import_in_background: what the publication imports, loaded while dbt builds in its own process."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
from outcomes.pipeline import import_in_background
assert "great_expectations" not in sys.modules
thread = import_in_background("great_expectations", "no_such_module_anywhere", "publish.run")
thread.join(timeout=120)
print(thread.is_alive(), "great_expectations" in sys.modules, "publish.run" in sys.modules)
import no_such_module_anywhere
"""


def test_modules_are_imported_in_the_thread_and_a_failure_is_left_to_the_import_that_needs_it():
    """In a fresh interpreter: once the thread is joined both modules are loaded, although a module between them
    does not exist; that module's import fails where it is imported, with Python's own error."""
    proc = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=False)
    assert proc.stdout.split() == ["False", "True", "True"], proc.stderr
    assert proc.returncode == 1 and "ModuleNotFoundError: No module named 'no_such_module_anywhere'" in proc.stderr

"""The quality gate: a table's Great Expectations suite run against its candidate pandas DataFrame.

Suites live as GX 1.24 ExpectationSuite JSON under ``expectations/suites/<suite>.json`` (version control) and
are loaded at run time into an ephemeral GX context, so nothing of GX's own state is kept. GX reads the
pandas frame, not DuckDB: GX 1.24 over duckdb-engine fails every SQL expectation (docs/publication.md).

Run the gate alone, without publishing anything::

    python -m publish.gate ed_four_hour_performance [--report path/to/report.json]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from config.settings import Settings, get_settings
from publish.errors import SpecError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GateResult:
    suite: str
    success: bool
    evaluated: int
    failures: list[str] = field(default_factory=list)  # one plain-words sentence per failed expectation
    report: dict[str, Any] = field(default_factory=dict)  # the GX validation result as JSON

    def summary(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "success": self.success,
            "evaluated_expectations": self.evaluated,
            "failed_expectations": len(self.failures),
            "failures": self.failures,
        }


def suite_path(suite: str, settings: Settings | None = None) -> Path:
    return (settings or get_settings()).expectations_dir / "suites" / f"{suite}.json"


def load_suite(suite: str, settings: Settings | None = None) -> dict[str, Any]:
    """The suite's JSON, checked to exist and to carry the same name as its file."""
    path = suite_path(suite, settings)
    if not path.is_file():
        raise SpecError(f"expectation suite {suite!r} not found at {path}")
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("name") != suite:
        raise SpecError(f"expectation suite {path} is named {data.get('name')!r}; it must be {suite!r}")
    return data


def run_gate(frame: pd.DataFrame, suite: str, settings: Settings | None = None) -> GateResult:
    """Validate ``frame`` against ``suite`` in a throwaway GX context; never raises on a failed expectation."""
    import great_expectations as gx  # slow import (~2 s): only when a gate actually runs
    from great_expectations.data_context.types.base import ProgressBarsConfig

    suite_json = load_suite(suite, settings)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    gx_suite = context.suites.add(gx.ExpectationSuite(**suite_json))
    batch = (
        context.data_sources.add_pandas("candidate")
        .add_dataframe_asset(suite)
        .add_batch_definition_whole_dataframe("whole_candidate")
    )
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{suite}_gate", data=batch, suite=gx_suite)
    )
    result = validation.run(batch_parameters={"dataframe": frame}, result_format="SUMMARY")
    failures = [describe(r) for r in result.results if not r.success]
    log.info(
        "gate %s: %s (%d expectations, %d failed)",
        suite,
        "passed" if result.success else "FAILED",
        len(result.results),
        len(failures),
    )
    return GateResult(
        suite=suite,
        success=bool(result.success),
        evaluated=len(result.results),
        failures=failures,
        report=result.to_json_dict(),
    )


def describe(result: Any) -> str:
    """One failed GX expectation result in plain words: what was expected, what was found."""
    config = result.expectation_config
    kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
    expected = config.description or f"{config.type}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"
    details = result.result or {}
    error = _exception_message(result.exception_info)
    if error:
        found = f"could not be evaluated: {error}"
    elif details.get("unexpected_count"):
        sample = ", ".join(_plain(v) for v in (details.get("partial_unexpected_list") or [])[:5])
        found = f"{details['unexpected_count']} of {details.get('element_count', '?')} rows break it"
        found += f" (for example {sample})" if sample else ""
    elif "observed_value" in details:
        found = f"found {_plain(details['observed_value'])}"
    else:
        found = "it did not hold"
    column = kwargs.get("column") or kwargs.get("column_list")
    where = f" on {column}" if column else ""
    return f"{expected}: {found} [{config.type}{where}]"


def _exception_message(info: Any) -> str | None:
    if not info:
        return None
    candidates = info.values() if "raised_exception" not in info else [info]
    for item in candidates:
        item = item if isinstance(item, dict) else getattr(item, "to_json_dict", lambda: {})()
        if item.get("raised_exception"):
            return str(item.get("exception_message") or "unknown error")
    return None


def _plain(value: Any) -> str:
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, default=str)
    return repr(value.item() if hasattr(value, "item") else value)


def main(argv: list[str] | None = None) -> int:
    """Build a table's candidate from the warehouse and run its gate; publish nothing. Exit 1 on failure."""
    from publish.disclosure import apply_disclosure
    from publish.source import read_source
    from publish.spec import load_spec

    parser = argparse.ArgumentParser(prog="python -m publish.gate", description=main.__doc__)
    parser.add_argument("table")
    parser.add_argument("--report", type=Path, help="write the GX validation result as JSON here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)  # GX logs its internals at INFO
    settings = get_settings()
    spec = load_spec(args.table, settings)
    candidate = apply_disclosure(read_source(settings.warehouse_path, spec), spec).frame
    gate = run_gate(candidate, spec.suite, settings)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps(gate.report, indent=2, default=str), encoding="utf-8")
    print(f"{spec.name}: gate {'passed' if gate.success else 'FAILED'} ({gate.evaluated} expectations)")
    for failure in gate.failures:
        print(f"  - {failure}")
    return 0 if gate.success else 1


if __name__ == "__main__":
    sys.exit(main())

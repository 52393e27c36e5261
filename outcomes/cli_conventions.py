"""The promises every ``outcomes`` command keeps, whoever writes it: a bad argument or a known operational error
is one line on standard error and exit code 1 (never a traceback or a boxed panel), and help shows values as
people write them (``--json``, ``--feed FEED``, ``PATHS...``), not Python types (``<bool>``, ``<list[str]>``).

Commands get both by being registered on a Typer app made with :func:`new_app` (``cls=PipelineGroup``): the
group's ``main`` renames the metavars of every command below it before parsing, and turns errors into lines.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import typer
from rich.console import Console
from typer.core import TyperArgument, TyperGroup

out = Console(soft_wrap=True)  # what a command reports, on standard output
err = Console(stderr=True)

# Errors a person can act on from the message alone: shown as one line, exit 1. Commands may add their own
# (ONE_LINE_ERRORS.append(...)) rather than catching everything.
ONE_LINE_ERRORS: list[type[BaseException]] = [FileNotFoundError]


def error_line(message: str) -> None:
    """Print ``error: <message>`` on standard error as one line (newlines folded)."""
    text = " ".join(str(message).split())
    err.print(f"[bold red]error:[/] {text}", highlight=False, soft_wrap=True, markup=True)


def fail(message: str, code: int = 1) -> None:
    """One line on standard error, then exit ``code``."""
    error_line(message)
    raise typer.Exit(code)


class PlainArgument(TyperArgument):
    """An argument shown as people write it: ``PATHS...`` (``[PATHS]...`` when optional), no Python type."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _rich_display_name(self) -> str:
        return self.display_name_raw + ("..." if self.nargs != 1 else "")

    def _usage_display_name(self) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")


def _value_name(param: Any) -> str:
    """``--feed`` -> ``FEED``, ``--out`` -> ``OUT``: the value named after the option people type."""
    long = [o for o in getattr(param, "opts", []) if o.startswith("--")]
    return (long[0][2:] if long else param.name or "value").replace("-", "_").upper()


def people_metavars(command: Any) -> None:
    """Give every option and argument of ``command`` (and its subcommands) a metavar people write: nothing for a
    flag, the option's name in capitals for a value (``--feed FEED``), the argument's name for an argument."""
    from typer._click import Context

    params = list(getattr(command, "params", []))
    if hasattr(command, "get_help_option"):
        params.append(command.get_help_option(Context(command)))
    for param in filter(None, params):
        if type(param) is TyperArgument:
            param.__class__ = PlainArgument
        if param.metavar is not None:
            continue
        if getattr(param, "is_flag", False) or getattr(param, "count", False):
            param.metavar = ""
        else:
            param.metavar = _value_name(param)
    for sub in getattr(command, "commands", {}).values():
        people_metavars(sub)


class PipelineGroup(TyperGroup):
    """A Typer group whose commands keep the conventions above."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra) -> Any:
        people_metavars(self)
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            code = result if isinstance(result, int) and not isinstance(result, bool) else 0
        except typer.Exit as exc:  # pragma: no cover - typer returns the code in non-standalone mode
            code = exc.exit_code
        except typer.Abort:
            error_line("aborted")
            code = 1
        except Exception as exc:
            code = _quiet_pipe(_one_line, exc)
        if standalone_mode:
            sys.exit(code)
        return code


def _quiet_pipe(report: Any, exc: Exception) -> int:
    """A reader that stopped reading (``outcomes | head``) ends the output quietly, as click does."""
    try:
        return report(exc)
    except BrokenPipeError:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stays open until the process exits
        return 1


def _one_line(exc: Exception) -> int:
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

    if isinstance(exc, NoArgsIsHelpError):  # a group run without a command: its help, as asked for
        print(exc.format_message())
        return 0
    if isinstance(exc, UsageError):
        hint = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
        error_line(exc.format_message().rstrip(".") + hint)
        return 1
    if isinstance(exc, ClickException):
        error_line(exc.format_message())
        return 1
    if isinstance(exc, tuple(ONE_LINE_ERRORS)):
        error_line(str(exc))
        return 1
    raise exc


def new_app(**kwargs: Any) -> typer.Typer:
    """A Typer app (or sub-app) whose commands keep the conventions."""
    kwargs.setdefault("no_args_is_help", True)
    kwargs.setdefault("add_completion", False)
    kwargs.setdefault("pretty_exceptions_enable", False)
    kwargs.setdefault("rich_markup_mode", None)
    return typer.Typer(cls=PipelineGroup, **kwargs)

"""Data Docs page views whose Jinja templates are compiled once, not on every docs build.

GX's views make a new Jinja environment for every docs build, and Jinja compiles each template it loads into
Python code: GX's page templates took about a sixth of a raw gate's docs build (bench/results.md, issue 18,
twenty-first round). These views keep the compiled templates in a bytecode cache folder of the GX project
(Jinja's ``FileSystemBytecodeCache``: each file written whole and renamed into place; a template whose source
changed, as after an upgrade of GX, or whose file cannot be read, is compiled again). The pages drawn are GX's
own. The site's configuration names them (``publish.gx_project.context_config``), as GX lets a site name its
views.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView
from jinja2 import FileSystemBytecodeCache
from jinja2.bccache import Bucket


class _BytecodeCache(FileSystemBytecodeCache):
    """Jinja's file cache, except that a cache file it cannot read is a template to compile again: Jinja itself
    raises on a file cut short inside its header (a disk fault; its own writes are whole), and GX then draws the
    page empty."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # noqa: BLE001 - unreadable: compiled again, and the file written anew
            bucket.reset()


class _CompiledOnce:
    """Mixed into a GX view: its Jinja environment keeps the compiled templates in ``bytecode_dir``."""

    def __init__(self, bytecode_dir: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        Path(bytecode_dir).mkdir(parents=True, exist_ok=True)
        self.env.bytecode_cache = _BytecodeCache(bytecode_dir)


class CompiledOncePageView(_CompiledOnce, DefaultJinjaPageView):
    """A validation result's page (GX's ``DefaultJinjaPageView``), its templates compiled once."""


class CompiledOnceIndexPageView(_CompiledOnce, DefaultJinjaIndexPageView):
    """The Data Docs home page (GX's ``DefaultJinjaIndexPageView``), its templates compiled once."""

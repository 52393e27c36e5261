"""Deterministic synthetic extracts for every feed of the system, with injected defects and a truth file.

    from synth import SynthConfig, generate
    report = generate(SynthConfig(out_dir=Path(".work/synth")))
    print(report.summary())

See docs/synthetic-data.md for the feeds, the built-in effect sizes and the defect kinds.
"""

from synth.config import SynthConfig, SynthReport
from synth.generate import generate

__all__ = ["SynthConfig", "SynthReport", "generate"]

"""What every feed builder receives: the config, the population, contracts and seeded random streams."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from config.contracts import Contract
from synth.calendar import Month
from synth.config import SynthConfig
from synth.population import Population


def stream_key(name: str) -> int:
    return zlib.crc32(name.encode())


@dataclass
class Context:
    cfg: SynthConfig
    pop: Population
    months: list[Month]
    contracts: dict[str, Contract]
    border: Context | None = None  # the Welsh border population's own context (synth.border), None inside it
    namespace: str = ""  # tells this context's random streams apart from another's with the same purposes
    _cache: dict[tuple[str, int], Any] = field(default_factory=dict)
    _persistent: dict[str, Any] = field(default_factory=dict)

    def rng(self, purpose: str, month: Month | int = -1) -> np.random.Generator:
        """A random stream that depends only on the seed, the purpose and the month (never on feed selection)."""
        index = month.index if isinstance(month, Month) else month
        name = f"{self.namespace}/{purpose}" if self.namespace else purpose
        return np.random.default_rng([self.cfg.seed, stream_key(name), index + 1000])

    def month(self, index: int) -> Month:
        """A month by index, also before the window (negative) for warm-up of pathways and referrals."""
        if 0 <= index < len(self.months):
            return self.months[index]
        first = np.datetime64(self.cfg.start, "M") + index
        return Month(index, first.astype("datetime64[D]"), (first + 1).astype("datetime64[D]"))

    def shared(self, family: str, month: Month, build: Callable[[], Any]) -> Any:
        """Events several feeds share (ECDS feeds APC, APC feeds reablement), built once per month."""
        key = (family, month.index)
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def persistent(self, name: str, build: Callable[[], Any]) -> Any:
        """Data drawn once for the whole window (RTT pathways, opt-out dates), kept until the run ends."""
        if name not in self._persistent:
            self._persistent[name] = build()
        return self._persistent[name]

    def persisted(self, name: str) -> Any | None:
        """What ``persistent(name, ...)`` holds, or None when nothing asked for it in this run."""
        return self._persistent.get(name)

    def done_with(self, index: int, keep: dict[str, int]) -> None:
        """Drop shared events no later month needs (``keep`` = months a family is still read back)."""
        for key in [k for k in self._cache if k[1] <= index - keep.get(k[0], 0)]:
            del self._cache[key]
        if self.border is not None:
            self.border.done_with(index, keep)

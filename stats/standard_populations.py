"""Standard populations for direct standardisation, keyed by age band.

The European Standard Population 2013 (Eurostat 2013, as PHE/OHID and PHEindicatormethods' `esp2013` use it):
19 bands, 0-4 to 85-89 in five years, then 90+, summing to 100,000.
"""

from __future__ import annotations

from collections.abc import Mapping

from stats.age_bands import AgeBand, parse_age_band
from stats.errors import StatsInputError

ESP2013: dict[str, int] = {
    "0-4": 5000, "5-9": 5500, "10-14": 5500, "15-19": 5500, "20-24": 6000, "25-29": 6000, "30-34": 6500,
    "35-39": 7000, "40-44": 7000, "45-49": 7000, "50-54": 7000, "55-59": 6500, "60-64": 6000, "65-69": 5500,
    "70-74": 5000, "75-79": 4000, "80-84": 2500, "85-89": 1500, "90+": 1000,
}


def standard_weights(standard: Mapping[str, float]) -> dict[AgeBand, float]:
    """The standard keyed by parsed band; two labels for one band, or a negative weight, are refused."""
    weights: dict[AgeBand, float] = {}
    for label, weight in standard.items():
        band = parse_age_band(label)
        if band in weights:
            raise StatsInputError(f"standard population lists age band {band} twice (label {label!r})")
        if not weight >= 0:
            raise StatsInputError(f"standard population weight for age band {label!r} must be zero or more; "
                                  f"got {weight!r}")
        weights[band] = float(weight)
    return weights

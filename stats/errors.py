"""The one error the statistics layer raises for bad input: it names the rule, where it broke and the value."""

from __future__ import annotations


class StatsInputError(ValueError):
    """Input a statistic cannot be computed from (a negative count, an unknown age band, a missing quantile...).

    The message names the rule, the row or group and the value found, so the caller can report it as it stands.
    """

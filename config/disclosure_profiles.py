"""Disclosure-control profiles: the named rule sets a published count is put through, as data.

A measure names its profile in the registry (``disclosure_profile``); a partner's data-sharing agreement may ask
for a stricter one, never a looser one (:func:`at_least_as_strict`). The publication (``publish/disclosure.py``)
applies them and the quality gate reads the same numbers (``PROFILES[name].suppress_below`` ...), so a threshold
is written once. docs/publication.md states the rules in words.

- ``nhs_standard`` (NHS England's rule for hospital and emergency care statistics): counts 1 to 7 are
  suppressed, every other count is rounded to the nearest 5 (0 stays 0); percentages and crude rates are
  computed from the rounded figures; standardised rates, their limits and inequality indices are exempt but
  withheld when the count behind them is below 10.
- ``mhsds`` (NHS England's mental health statistics rule): values below 5 (0 included) are suppressed, the
  others rounded to the nearest 5.
- ``strict_10``: counts below 10 (0 included) suppressed, others rounded to 5: the project's rule before the
  profiles, kept for agreements that ask for more than either national rule.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    suppress_below: int = Field(ge=1)  # a count below this is suppressed ...
    suppress_zero: bool  # ... and 0 too when true (otherwise 0 is published as 0)
    round_to: int = Field(ge=1)  # every other count is rounded to the nearest multiple (halves up)
    exempt_min_count: int = Field(ge=0)  # exempt statistics are withheld when the count behind them is below
    description: str

    @model_validator(mode="after")
    def _rounding_keeps_threshold(self) -> Profile:
        smallest = (self.suppress_below * 2 + self.round_to) // (2 * self.round_to) * self.round_to
        if smallest < self.suppress_below:
            raise ValueError(f"profile {self.name!r}: {self.suppress_below} rounds down to {smallest} at "
                             f"{self.round_to}, so a published count could fall below the threshold")
        return self

    def smallest_published(self) -> int:
        """The smallest non-zero count this profile publishes (10 under nhs_standard: 8 rounds to 10)."""
        return (self.suppress_below * 2 + self.round_to) // (2 * self.round_to) * self.round_to


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(name="nhs_standard", suppress_below=8, suppress_zero=False, round_to=5, exempt_min_count=10,
                description="counts 1 to 7 suppressed (*), others rounded to the nearest 5, 0 stays 0; "
                            "percentages and crude rates from the rounded figures"),
        Profile(name="mhsds", suppress_below=5, suppress_zero=True, round_to=5, exempt_min_count=10,
                description="values below 5 (0 included) suppressed (*), others rounded to the nearest 5"),
        Profile(name="strict_10", suppress_below=10, suppress_zero=True, round_to=5, exempt_min_count=10,
                description="counts below 10 (0 included) suppressed (*), others rounded to the nearest 5"),
    )
}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown disclosure profile {name!r} (known: {', '.join(sorted(PROFILES))})") from None


def at_least_as_strict(candidate: Profile, baseline: Profile) -> bool:
    """True when every count ``baseline`` suppresses, ``candidate`` suppresses too, and ``candidate`` rounds at
    least as coarsely (to a multiple of ``baseline``'s base) and withholds exempt statistics at least as often."""
    return (candidate.suppress_below >= baseline.suppress_below
            and (candidate.suppress_zero or not baseline.suppress_zero)
            and candidate.round_to % baseline.round_to == 0
            and candidate.exempt_min_count >= baseline.exempt_min_count)

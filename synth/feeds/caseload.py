"""Referrals and the contacts that follow them, shared by the community (CSDS) and mental health (MHSDS) feeds.

Referrals of a month are drawn once (seeded by month) with all their contacts, which may fall up to
``HORIZON_MONTHS`` later; a month's contact file gathers the contacts dated in it from the referrals of that
month and the months before, so a contact always points at a referral that really exists. The window starts
warm: referrals from before the first month are drawn too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synth.calendar import Month

HORIZON_MONTHS = 4


@dataclass(frozen=True)
class Service:
    code: str
    rate: float  # referrals per person-year at the reference group
    age_factor: tuple[tuple[int, int, float], ...]  # (min age, max age, multiplier); persons outside get 0
    contacts_mean: float  # mean number of contacts per referral (at least one)
    first_delay_days: float  # median days from referral to first contact
    interval_days: float  # mean days between contacts


def age_multiplier(age: np.ndarray, bands: tuple[tuple[int, int, float], ...]) -> np.ndarray:
    """Multiplier per person from (min age, max age, factor) bands, by one table look-up."""
    table = np.zeros(131)
    for lo, hi, f in bands:
        table[lo:min(hi, 130) + 1] = f
    return table[np.minimum(age, 130)]


def draw_caseload(ctx, family: str, month: Month, services: list[Service], person_factor: np.ndarray,
                  first_delay: callable = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(referrals, contacts) for referrals received in ``month``; contacts may run up to the horizon."""

    def build():
        rng = ctx.rng(family, month)
        pop = ctx.pop
        ref_parts = []
        base = person_factor * (month.season * month.exposure)
        for k, svc in enumerate(services):
            lam = age_multiplier(pop.age, svc.age_factor)
            lam *= base
            lam *= svc.rate
            person = np.flatnonzero(rng.poisson(lam))  # at most one referral per service a month
            del lam
            ref_parts.append(pd.DataFrame({"person": person, "service": np.full(len(person), k, np.int8)}))
        refs = pd.concat(ref_parts, ignore_index=True)
        n = len(refs)
        secs = rng.integers(0, month.days * 86400, n)
        refs["received"] = month.start.astype("datetime64[s]") + secs.astype("timedelta64[s]")
        refs = refs.sort_values(["received", "person"], kind="stable").reset_index(drop=True)
        refs["seq"] = np.arange(1, n + 1)
        svc_idx = refs["service"].to_numpy()
        mean = np.array([s.contacts_mean for s in services])[svc_idx]
        n_contacts = 1 + rng.poisson(mean - 1)
        ref_of = np.repeat(np.arange(n), n_contacts)
        k_in_ref = np.arange(len(ref_of)) - np.repeat(np.cumsum(n_contacts) - n_contacts, n_contacts)
        median_delay = np.array([s.first_delay_days for s in services])[svc_idx]
        if first_delay is not None:
            delay_s = first_delay(refs, rng)
        else:
            delay_s = np.exp(np.log(median_delay * 86400) + 0.7 * rng.standard_normal(n))
        interval = np.array([s.interval_days for s in services])[svc_idx[ref_of]]
        gaps = np.where(k_in_ref == 0, 0, rng.exponential(interval) * 86400 + 3600)
        offset = np.repeat(delay_s, n_contacts) + _cumsum_by_group(gaps, n_contacts)
        when = refs["received"].to_numpy()[ref_of] + offset.astype("timedelta64[s]")
        # Planned contacts happen in working hours: keep the day, move the time into 08:00-18:00.
        day = when.astype("datetime64[D]")
        working = np.array([s.code not in ("UCR", "A02") for s in services])[svc_idx[ref_of]]
        moved = day.astype("datetime64[s]") + (8 * 3600 + rng.integers(0, 10 * 3600, len(when))).astype(
            "timedelta64[s]")
        when = np.where(working, moved, when)
        when = np.maximum(when, refs["received"].to_numpy()[ref_of])
        contacts = pd.DataFrame({"ref": ref_of, "k": k_in_ref, "when": when})
        limit = (month.start.astype("datetime64[M]") + HORIZON_MONTHS + 1).astype("datetime64[s]")
        contacts = contacts[contacts["when"].to_numpy() < limit]
        return refs, contacts

    return ctx.shared(family, month, build)


def _cumsum_by_group(values: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    total = np.cumsum(values)
    starts = np.cumsum(sizes) - sizes
    before = np.where(starts > 0, total[np.maximum(starts - 1, 0)], 0.0)
    return total - np.repeat(before, sizes)


def contacts_in(ctx, family: str, month: Month, draw) -> pd.DataFrame:
    """Contacts dated in ``month`` from referrals of this and the previous months, with referral columns."""
    parts = []
    for back in range(HORIZON_MONTHS, -1, -1):
        ref_month = ctx.month(month.index - back)
        refs, contacts = draw(ref_month)
        sel = contacts[(contacts["when"].to_numpy() >= month.start) & (contacts["when"].to_numpy() < month.end)]
        r = refs.iloc[sel["ref"].to_numpy()]
        parts.append(pd.DataFrame({
            "person": r["person"].to_numpy(), "service": r["service"].to_numpy(),
            "received": r["received"].to_numpy(), "ref_label": ref_month.label.replace("-", "")[2:],
            "ref_seq": r["seq"].to_numpy(), "k": sel["k"].to_numpy(), "when": sel["when"].to_numpy(),
        }))
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["when", "person"], kind="stable").reset_index(drop=True)

"""The acute trusts' emergency care and admitted patient care as one timeline, written month by month.

Each month starts from the events drawn per person (synth.feeds.ecds, synth.feeds.apc), then
1. the stays of one person are made not to overlap: a spell ends no later than the person's next admission and
   no later than the end of the look-ahead (the end of the second month after its own: longer stays are cut);
2. every index discharge of the month is followed, or not, by an emergency readmission (synth.feeds.readmissions)
   placed between the discharge and the person's next admission, so in this month or a later one, with its ECDS
   attendance when it came through A&E; readmissions discharged in the month are index discharges themselves.
A spell is delivered in the file of its admission month, an attendance in the file of its arrival month.
Index discharges are decided one per person at a time, in date order, and a readmission is never placed in the
30 days after an earlier discharge that was decided not to be readmitted. The look-ahead (the events drawn for
the next two months, from their own seeded streams) shows which discharges an emergency admission follows anyway.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from synth.calendar import Month
from synth.feeds import readmissions as rm
from synth.feeds.apc import base_spells
from synth.feeds.apc import file_builder as apc_file
from synth.feeds.base import FeedDef, monthly
from synth.feeds.ecds import SITES, base_attendances
from synth.feeds.ecds import file_builder as ecds_file
from synth.feeds.stays import Followers, end_before_next_admission

LOOKAHEAD_MONTHS = 2
_DAY = np.timedelta64(1, "D")
_NO_DATE = np.datetime64("1900-01-01", "D")
_TRUST = np.char.startswith(SITES.astype(str), "RLQ").astype(np.int8)  # 0 RWP, 1 RLQ, by site index


@dataclass
class _Timeline:
    """What one month hands to the next."""

    done: int = -1  # index of the last month made final
    open_spells: pd.DataFrame | None = None  # admitted in a final month, discharged after it
    pending: pd.DataFrame | None = None  # spells drawn to be admitted after the last final month
    pending_attendances: pd.DataFrame | None = None  # readmissions' ECDS attendances arriving after it
    quiet: pd.Series = field(default_factory=lambda: pd.Series(dtype="datetime64[s]"))  # person -> last quiet day
    calibration: rm.Calibration = field(default_factory=lambda: rm.Calibration(rm.N_CELLS))
    other_trust: rm.Calibration = field(default_factory=lambda: rm.Calibration(1))
    next_key: int = 1 << 48
    index_count: np.ndarray = field(default_factory=lambda: np.zeros(rm.N_CELLS))
    index_expected: np.ndarray = field(default_factory=lambda: np.zeros(rm.N_CELLS))


def attendances(ctx, month: Month) -> pd.DataFrame:
    """Every ECDS attendance arriving in ``month`` at RWP or RLQ (numeric columns; persons by index)."""
    return _final(ctx, month)[0]


def spells(ctx, month: Month) -> pd.DataFrame:
    """Every spell admitted in ``month`` at RWP or RLQ (numeric columns; persons by index)."""
    return _final(ctx, month)[1]


def _final(ctx, month: Month) -> tuple[pd.DataFrame, pd.DataFrame]:
    return ctx.shared("acute", month, lambda: _make_final(ctx, month))


def _make_final(ctx, month: Month) -> tuple[pd.DataFrame, pd.DataFrame]:
    tl = ctx.persistent("acute_timeline", _Timeline)
    if month.index <= tl.done:
        raise RuntimeError(f"acute events of {month.label} were already released: months are generated in order")
    if month.index > tl.done + 1:
        _final(ctx, ctx.month(month.index - 1))
    return _step(ctx, tl, month)


def _step(ctx, tl: _Timeline, month: Month) -> tuple[pd.DataFrame, pd.DataFrame]:
    m = month.index
    horizon = ctx.month(m + LOOKAHEAD_MONTHS + 1).start
    # Spells admitted from this month on that no earlier file held: this month's draws (an A&E admission may
    # start just after midnight on the 1st of the next month) and readmissions drawn by earlier months.
    arriving = pd.concat([base_spells(ctx, month)] + ([tl.pending] if tl.pending is not None else []),
                         ignore_index=True)
    admitted_now = arriving["admit"].to_numpy() < month.end
    current = arriving[admitted_now]
    later = pd.concat([base_spells(ctx, ctx.month(k)) for k in range(m + 1, m + LOOKAHEAD_MONTHS + 1)]
                      + [arriving[~admitted_now]], ignore_index=True)
    current = end_before_next_admission(current, later, horizon)
    known = Followers()
    for admissions in (current, later):
        _remember(known, admissions)
    carried = tl.open_spells if tl.open_spells is not None else current.iloc[:0]
    candidates = pd.concat([carried, current], ignore_index=True)
    candidates = candidates[(candidates["discharge"].to_numpy() < month.end) & rm.is_index(candidates)]
    tl.quiet = tl.quiet[tl.quiet.to_numpy() >= month.start]
    drawn, drawn_attendances = _decide_month(ctx, tl, month, candidates, known, horizon)

    new_admitted_now = drawn["admit"].to_numpy() < month.end
    final_spells = pd.concat([current, drawn[new_admitted_now]], ignore_index=True)
    final_spells = final_spells.iloc[np.lexsort((final_spells["person"].to_numpy(),
                                                 final_spells["admit"].to_numpy()))].reset_index(drop=True)
    tl.pending = pd.concat([arriving[~admitted_now], drawn[~new_admitted_now]], ignore_index=True)
    still_open = pd.concat([carried, final_spells], ignore_index=True)
    tl.open_spells = still_open[still_open["discharge"].to_numpy() >= month.end].reset_index(drop=True)

    base_att = base_attendances(ctx, month)
    extra = [a for a in (tl.pending_attendances, drawn_attendances) if a is not None]
    att = pd.concat(extra, ignore_index=True) if extra else base_att.iloc[:0]  # a month may draw none
    arrives_now = att["arrival"].to_numpy() < month.end.astype("datetime64[s]")
    tl.pending_attendances = att[~arrives_now].reset_index(drop=True)
    final_att = pd.concat([base_att, att[arrives_now]], ignore_index=True)
    final_att = final_att.iloc[np.lexsort((final_att["person"].to_numpy(),
                                           final_att["arrival"].to_numpy()))].reset_index(drop=True)
    tl.done = m
    return final_att, final_spells


def _decide_month(ctx, tl: _Timeline, month: Month, candidates: pd.DataFrame, known: Followers,
                  horizon: np.datetime64) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Decide every index discharge of the month, one per person at a time in discharge order.

    The probability for a discharge not already followed by an emergency admission is set once for the month
    and cell, from all its index discharges, so people with many admissions (decided last) do not skew it."""
    rng = ctx.rng("readmissions", month)
    cell, p = _cells(ctx, candidates)
    _, already, _ = _followed_by(candidates, known, horizon)
    q = tl.calibration.probability(cell, p, already, ~already)
    drawn, drawn_att = [], []
    undecided = candidates
    while len(undecided):
        order = np.lexsort((undecided["key"].to_numpy(), undecided["discharge"].to_numpy(),
                            undecided["person"].to_numpy()))
        undecided = undecided.iloc[order]
        first = ~undecided["person"].duplicated().to_numpy()
        batch, undecided = undecided[first], undecided[~first]
        new, new_att = _decide(ctx, tl, batch, known, horizon, q, month, rng)
        _remember(known, new)
        drawn.append(new)
        drawn_att.append(new_att)
        undecided = pd.concat([undecided, new[(new["discharge"].to_numpy() < month.end) & rm.is_index(new)]],
                              ignore_index=True)
    return (pd.concat(drawn, ignore_index=True) if drawn else candidates.iloc[:0],
            pd.concat(drawn_att, ignore_index=True) if drawn_att else None)


def _cells(ctx, index: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each index discharge's cell (age band at admission x IMD quintile) and its p."""
    person = index["person"].to_numpy()
    band = rm.age_band(ctx.pop.age_at(person, index["admit"].to_numpy()))
    cell = rm.cell_of(band, rm.quintile_cell(ctx.pop.quintile[person]))
    return cell, rm.rate_of_cell()[cell]


def _remember(known: Followers, admissions: pd.DataFrame) -> None:
    known.add(admissions["person"].to_numpy(), admissions["admit"].to_numpy(), admissions["key"].to_numpy(),
              rm.is_readmission(admissions), _TRUST[admissions["site"].to_numpy()])


def _followed_by(batch: pd.DataFrame, known: Followers, horizon: np.datetime64):
    return known.after(batch["person"].to_numpy(), batch["discharge"].to_numpy(), batch["key"].to_numpy(),
                       _TRUST[batch["site"].to_numpy()], rm.WINDOW_DAYS, horizon)


def _decide(ctx, tl: _Timeline, batch: pd.DataFrame, known: Followers, horizon: np.datetime64, q: np.ndarray,
            month: Month, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Readmit, or not, one index discharge per person; ``q`` is the probability by cell for those not already
    followed by an emergency admission."""
    person = batch["person"].to_numpy()
    t = batch["discharge"].to_numpy().astype("datetime64[D]")
    until, already, already_other = _followed_by(batch, known, horizon)
    cell, p = _cells(ctx, batch)
    chosen = ~already & (rng.random(len(person)) < q[cell])
    quiet = tl.quiet.reindex(person, fill_value=_NO_DATE).to_numpy().astype("datetime64[D]")
    first = np.maximum(t, quiet + _DAY)
    last = np.minimum(t + np.timedelta64(rm.WINDOW_DAYS - 1, "D"), until)
    placed = chosen & (first <= last)
    readmitted = already | placed
    tl.calibration.settle(cell, p, readmitted)
    other = _other_trust(tl, already_other[readmitted], placed[readmitted], rng)[placed[readmitted]]
    not_readmitted = pd.Series(t[~readmitted] + np.timedelta64(rm.WINDOW_DAYS - 1, "D"), index=person[~readmitted])
    tl.quiet = pd.concat([tl.quiet, not_readmitted.astype("datetime64[s]")]).groupby(level=0).max()
    _tally(ctx, tl, cell, p, t)
    new, new_att = rm.draw(ctx, batch[placed], first[placed], last[placed], until[placed], other, month, rng)
    new = new.assign(key=tl.next_key + np.arange(len(new), dtype=np.int64))
    tl.next_key += len(new)
    return new, new_att


def _other_trust(tl: _Timeline, already: np.ndarray, free: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Which readmissions are at the other trust: those that followed anyway keep their trust, the drawn ones
    make the share OTHER_TRUST_SHARE."""
    one = np.zeros(len(already), dtype=np.int64)
    share = np.full(len(already), rm.OTHER_TRUST_SHARE)
    other = already | (free & (rng.random(len(already)) < tl.other_trust.probability(one, share, already, free)))
    tl.other_trust.settle(one, share, other)
    return other


def _tally(ctx, tl: _Timeline, cell: np.ndarray, p: np.ndarray, discharge: np.ndarray) -> None:
    """Count the index discharges whose 30 days of follow-up lie inside the window, and their expected rate."""
    inside = discharge + np.timedelta64(rm.WINDOW_DAYS - 1, "D") < ctx.months[-1].end
    tl.index_count += np.bincount(cell[inside], minlength=rm.N_CELLS)
    tl.index_expected += np.bincount(cell[inside], weights=p[inside], minlength=rm.N_CELLS)


def intended(ctx) -> dict | None:
    """The intended readmission rates of this run (p averaged over its index discharges whose follow-up lies
    inside the window), overall and by age band and IMD quintile; None when no acute feed was generated."""
    tl = ctx.persisted("acute_timeline")
    if tl is None:
        return None
    count = tl.index_count.reshape(len(rm.AGE_BANDS), -1)
    expected = tl.index_expected.reshape(len(rm.AGE_BANDS), -1)

    def rate(n, e) -> dict:
        return {"index_discharges": int(n), "rate": round(float(e / n), 6) if n else None}

    return {
        "overall": rate(count.sum(), expected.sum()),
        "by_age_band": {b: rate(count[i].sum(), expected[i].sum()) for i, b in enumerate(rm.AGE_BANDS)},
        "by_imd_quintile": {str(q): rate(count[:, q].sum(), expected[:, q].sum()) for q in range(1, 6)},
        "other_trust_share": rm.OTHER_TRUST_SHARE,
    }


FEEDS = [
    FeedDef("rwp_ecds", monthly("RWP_ECDS_{ym}.csv"), ecds_file("RWP", attendances)),
    FeedDef("rlq_ecds", monthly("WVT_ECDS_{yyyymm}.csv"), ecds_file("RLQ", attendances)),
    FeedDef("rwp_apc", monthly("RWP_APC_{ym}.csv"), apc_file("RWP", spells)),
    FeedDef("rlq_apc", monthly("WVT_APC_{yyyymm}.csv"), apc_file("RLQ", spells)),
]

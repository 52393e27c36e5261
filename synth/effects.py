"""The built-in effect sizes, in one place, as written to truth.json and documented in docs/synthetic-data.md."""

from __future__ import annotations

from synth.calendar import SEASON, WEEKDAY_URGENT
from synth.feeds import acute, community, councils, ecds, icb, mh_spells, readmissions


def describe(ctx=None) -> dict:
    """The model's constants, and with the run's context the intended readmission rates of its index discharges
    and the intended SMI health check shares of its register (Core20 and the rest)."""
    readmission = readmissions.describe()
    intended = acute.intended(ctx) if ctx is not None else None
    if intended is not None:
        readmission["intended"] = intended
    smi = icb.intended(ctx) if ctx is not None else {
        "all_six_by_imd_quintile": {str(q): float(icb.ALL_SIX_BY_QUINTILE[q]) for q in range(1, 6)}}
    return {
        "ecds_attendance_rate_ratio_by_imd_quintile": {str(q): float(ecds.IMD_RATE_RATIO[q]) for q in range(1, 6)},
        "ecds_median_minutes_by_site": dict(zip(ecds.SITES.tolist(), ecds.SITE_MEDIAN_MIN.tolist(), strict=True)),
        "ecds_worse_site": "RWP50",
        "seasonality_by_calendar_month": {str(m): float(SEASON[m]) for m in range(1, 13)},
        "urgent_weekday_pattern_mon_to_sun": WEEKDAY_URGENT.tolist(),
        "emergency_readmission_30d": readmission,
        "ucr_2h": community.describe(),
        "mh_discharge_followup_72h": mh_spells.describe(),
        "smi_health_checks_all6": smi,
        "reablement_linked_to_discharge": councils.describe(),
    }

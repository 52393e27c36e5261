-- Measure rtt_over_52_weeks (measures/rtt_over_52_weeks.yaml). Grain: one row per incomplete pathway at its
-- organisation's month census (the denominator), period = census month; numerator 1 when the pathway has waited
-- more than 52 weeks: at least 365 days (census date minus clock start date). Thresholds:
-- macros/measures/rtt_measures.sql.
{{ rtt_measure_records('rtt_over_52_weeks') }}

-- Measure rtt_over_78_weeks (measures/rtt_over_78_weeks.yaml). Grain: one row per incomplete pathway at its
-- organisation's month census (the denominator), period = census month; numerator 1 when the pathway has waited
-- more than 78 weeks: at least 547 days (census date minus clock start date). Thresholds:
-- macros/measures/rtt_measures.sql.
{{ rtt_measure_records('rtt_over_78_weeks') }}

-- Measure rtt_within_18_weeks (measures/rtt_within_18_weeks.yaml). Grain: one row per incomplete pathway at its
-- organisation's month census (the denominator), period = census month; numerator 1 when the pathway has waited
-- within 18 weeks: at most 126 days (census date minus clock start date). Thresholds:
-- macros/measures/rtt_measures.sql.
{{ rtt_measure_records('rtt_within_18_weeks') }}

-- Grain: one row per minor injury unit attendance at Herefordshire and Worcestershire Health and Care NHS Trust
-- (R1A), current rows of the r1a_miu feed, renamed like the trusts' ECDS (the feed sends no arrival mode).
{{ stg_ecds_attendances('r1a_miu', 'R1A', with_arrival_mode=false) }}

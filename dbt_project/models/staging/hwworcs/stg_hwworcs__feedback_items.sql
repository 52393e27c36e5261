-- Grain: one row per feedback item received by Healthwatch Worcestershire (HWWORCS), current rows of the
-- hwworcs_feedback feed, renamed; the free-text comment is left in the lake.
{{ stg_feedback_items('hwworcs_feedback', 'HWWORCS') }}

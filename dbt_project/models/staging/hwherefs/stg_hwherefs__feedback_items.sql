-- Grain: one row per feedback item received by Healthwatch Herefordshire (HWHEREFS), current rows of the
-- hwherefs_feedback feed, renamed; the free-text comment is left in the lake.
{{ stg_feedback_items('hwherefs_feedback', 'HWHEREFS') }}

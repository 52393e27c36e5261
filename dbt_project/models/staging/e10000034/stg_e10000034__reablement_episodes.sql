-- Grain: one row per reablement episode of Worcestershire County Council (E10000034), current rows of the
-- e10000034_reablement feed, renamed.
{{ stg_reablement_episodes('e10000034_reablement', 'E10000034') }}

-- Grain: one row per reablement episode of Herefordshire Council (E06000019), current rows of the
-- e06000019_reablement feed, renamed.
{{ stg_reablement_episodes('e06000019_reablement', 'E06000019') }}

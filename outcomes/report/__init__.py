"""The outcomes and inequalities report: a static HTML site under ``<work>/report/`` built from the live,
disclosure-controlled publications only (never the warehouse's unrounded counts), so it can be shared as it is.
Opened from a file, no server: the charts are Vega-Lite (Altair) with the JavaScript bundle written once beside the
pages. docs/report.md."""

"""The lake's own rules, shared by ingest (which writes it) and the warehouse build (which reads it): the raw batch
schema, what a delivery declares, and which delivered rows are current."""

"""Take a delivered file to validated, pseudonymised raw Parquet: contracts, checks, quarantine, ledger."""

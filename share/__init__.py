"""Partners receive what their data-sharing agreements allow: agreements checked against the registry, per-partner
versioned deliveries built from the live publications, and a read-only API (docs/partners.md)."""

"""The warehouse build: dbt models generated from the contracts and the lake's rules, and the dbt runner."""

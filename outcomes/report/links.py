"""The report's file names: one place, so no page spells another's name."""

INDEX = "index.html"
CORE20 = "core20plus5.html"
QUALITY = "data-quality.html"
DICTIONARY = "dictionary.html"
DBT_DOCS = "dbt-docs.html"  # dbt's static_index.html, copied in by `outcomes report --dbt-docs`
SCREENSHOTS = "screenshots"


def measure_page(measure_id: str) -> str:
    return f"measure-{measure_id}.html"


def dictionary_page(measure_id: str) -> str:
    return f"dictionary-{measure_id}.html"

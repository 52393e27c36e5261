"""Stand-ins that let sqlfluff's Jinja templater render the models (`make lint`); dbt never reads this folder."""

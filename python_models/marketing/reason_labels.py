"""Every reason code with its words in Russian and English (one_click/labels.yml)."""

from one_click.ml.plain_reasons import reason_codes


def model(dbt, session):
    dbt.config(materialized="table")
    return reason_codes()

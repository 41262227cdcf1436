"""For each list and reason code, the action that answers it (one_click/labels.yml)."""

from one_click.marketing.actions import reason_actions


def model(dbt, session):
    dbt.config(materialized="table")
    return reason_actions()

"""Every next best action with its words in Russian and English and whether it needs consent
(one_click/labels.yml)."""

from one_click.marketing.actions import action_labels


def model(dbt, session):
    dbt.config(materialized="table")
    return action_labels()

"""Every candidate's out-of-fold probability of every customer (ROC curves, calibration)."""

from one_click.ml.selection import candidate_predictions


def model(dbt, session):
    dbt.config(materialized="table")
    return candidate_predictions(dbt.ref("candidate_search").df())

"""Reliability table of every candidate's out-of-fold probabilities."""

from one_click.ml.scoring import calibration_by_family


def model(dbt, session):
    dbt.config(materialized="table")
    predictions = dbt.ref("candidate_predictions").df()
    return calibration_by_family(predictions, dbt.ref("model_leaderboard").df())

"""Every customer's decline probability and risk band, scored as a stream of record batches:
out of fold for the model sample, by the kept model for everyone else."""

from one_click.ml.persist import load_kept_model
from one_click.ml.scoring import score_relation


def model(dbt, session):
    # the band cut-offs: vars risk_band_high / risk_band_medium, rendered by dbt into meta
    dbt.config(materialized="table")
    high = float(dbt.config.meta_get("risk_band_high"))
    medium = float(dbt.config.meta_get("risk_band_medium"))
    return score_relation(
        dbt.ref("customer_features"),
        load_kept_model(session, dbt.ref("churn_model").df()),
        dbt.ref("candidate_predictions").df(),
        dbt.ref("model_leaderboard").df(),
        high=high,
        medium=medium,
        n_jobs=2,
    )

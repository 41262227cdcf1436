"""Every customer's out-of-fold decline probability, risk band and top three reasons."""

from one_click.ml.scoring import customer_scores


def model(dbt, session):
    # the band cut-offs: vars risk_band_high / risk_band_medium, rendered by dbt into meta
    dbt.config(materialized="table")
    high = float(dbt.config.meta_get("risk_band_high"))
    medium = float(dbt.config.meta_get("risk_band_medium"))
    return customer_scores(
        dbt.ref("candidate_predictions").df(),
        dbt.ref("model_leaderboard").df(),
        dbt.ref("customer_shap_values").df(),
        high=high,
        medium=medium,
    )

"""Every customer's out-of-fold decline probability, risk band and top three reasons."""

from one_click.ml.scoring import RISK_BAND_HIGH, RISK_BAND_MEDIUM, customer_scores


def model(dbt, session):
    dbt.config(materialized="table")
    cut_offs = dbt.config.get("meta") or {}
    return customer_scores(
        dbt.ref("candidate_predictions").df(),
        dbt.ref("model_leaderboard").df(),
        dbt.ref("customer_shap_values").df(),
        high=float(cut_offs.get("risk_band_high", RISK_BAND_HIGH)),
        medium=float(cut_offs.get("risk_band_medium", RISK_BAND_MEDIUM)),
    )

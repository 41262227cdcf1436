"""Every customer's decline probability and risk band, scored as a stream of record batches:
out of fold for the model sample, by the kept model for everyone else; in score mode (var
score_only) by the kept model, except the customers it trained on: each by the kept outer-fold
model that did not see them. Each row names the month scored and the model
version and training month that scored it."""

from functools import partial

from one_click.ml.persist import load_kept_model, load_served_models
from one_click.ml.scoring import HELD_OUT, KEPT_MODEL, score_relation, stamped
from one_click.project import check_risk_bands, meta_flag


def model(dbt, session):
    # the bands: var risk_bands; delivery_month, score_only, workers; rendered by dbt into meta
    dbt.config(materialized="table")
    bands = check_risk_bands(dbt.config.meta_get("risk_bands"))
    score_only = meta_flag(dbt.config.meta_get("score_only"))
    kept = dbt.ref("churn_model").df()
    predictions = dbt.ref("candidate_predictions").df()
    scores = score_relation(
        dbt.ref("customer_features"),
        # loaded only if a customer needs it (one outside the model sample, or score mode)
        partial(load_served_models if score_only else load_kept_model, session, kept),
        # score mode: the search's out-of-fold scores are of the training month's customers
        predictions.iloc[0:0] if score_only else predictions,
        dbt.ref("model_leaderboard").df(),
        bands=bands,
        n_jobs=int(dbt.config.meta_get("workers")),
        held_out_kind=KEPT_MODEL if score_only else HELD_OUT,
    )
    [row] = kept.to_dict("records")
    return stamped(
        scores,
        {
            "month": str(dbt.config.meta_get("delivery_month")),
            "model_version": row["version"],
            "training_month": row["training_month"],
        },
    )

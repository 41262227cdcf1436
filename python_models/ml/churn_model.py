"""The kept model: selected family tuned and fitted on the model sample, saved beside the
warehouse. In score mode (var score_only) the published kept model instead, copied byte for
byte from var kept_model_dir: nothing is trained."""

from one_click.ml.persist import model_directory
from one_click.ml.sampling import rows_of
from one_click.ml.training import keep_published_model, keep_selected_model


def model(dbt, session):
    # vars score_only, kept_model_dir, delivery_month, drift_bins, rendered by dbt into meta
    dbt.config(materialized="table")
    if str(dbt.config.meta_get("score_only")).lower() == "true":
        return keep_published_model(
            dbt.config.meta_get("kept_model_dir"), model_directory(session)
        )
    customers = rows_of(dbt.ref("customer_features"), dbt.ref("model_sample"))
    board = dbt.ref("model_leaderboard").df()
    return keep_selected_model(
        customers,
        board,
        model_directory(session),
        n_jobs=2,
        month=str(dbt.config.meta_get("delivery_month")),
        drift_bins=int(dbt.config.meta_get("drift_bins")),
    )

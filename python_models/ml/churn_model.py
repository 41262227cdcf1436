"""The kept model: selected family tuned and fitted on the model sample, saved beside the
warehouse. In score mode (var score_only) the published kept model instead, copied byte for
byte from var kept_model_dir: nothing is trained."""

from one_click.ml.persist import model_directory, serving_layout
from one_click.ml.sampling import rows_of
from one_click.ml.training import keep_published_model, keep_selected_model
from one_click.project import meta_flag, meta_list, meta_mapping


def model(dbt, session):
    # vars score_only, kept_model_dir, delivery_month, drift_bins, random_seed, workers and the
    # layout's (revenue_periods, site_time_periods, derived_features), rendered by dbt into meta
    dbt.config(materialized="table")
    layout = serving_layout(
        meta_list(dbt.config.meta_get("revenue_periods")),
        meta_list(dbt.config.meta_get("site_time_periods")),
        meta_mapping(dbt.config.meta_get("derived_features")),
    )
    if meta_flag(dbt.config.meta_get("score_only")):
        return keep_published_model(
            dbt.config.meta_get("kept_model_dir"), model_directory(session), layout
        )
    customers = rows_of(dbt.ref("customer_features"), dbt.ref("model_sample"))
    board = dbt.ref("model_leaderboard").df()
    return keep_selected_model(
        customers,
        board,
        model_directory(session),
        search=dbt.ref("candidate_search").df(),
        seed=int(dbt.config.meta_get("random_seed")),
        n_jobs=int(dbt.config.meta_get("workers")),
        month=str(dbt.config.meta_get("delivery_month")),
        drift_bins=int(dbt.config.meta_get("drift_bins")),
        layout=layout,
    )

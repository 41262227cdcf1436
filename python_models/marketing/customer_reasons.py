"""The three top reasons of the customers at the top of the contact list and of the site list
(var reasons_top_n each), each explained by the model that scored them, and their context."""

from functools import partial

from one_click.ml.persist import load_served_models
from one_click.ml.reasons import customer_reasons, retention_top, typical_bands
from one_click.ml.sampling import rows_of
from one_click.ml.selection import selected_family
from one_click.project import meta_list


def model(dbt, session):
    # how many customers: var reasons_top_n; at_risk_bands, random_seed, workers; rendered by
    # dbt into meta
    dbt.config(materialized="table")
    # read for the order only: feature_importance runs first, so that the two models' worker
    # processes (var workers each) never share the cores
    dbt.ref("feature_importance")
    top = retention_top(
        dbt.ref("customer_risk"),
        dbt.ref("customer_scores"),
        int(dbt.config.meta_get("reasons_top_n")),
        meta_list(dbt.config.meta_get("at_risk_bands")),
    )
    return customer_reasons(
        targets=top.df(),
        shap_values=rows_of(dbt.ref("customer_shap_values"), top),
        sample=rows_of(dbt.ref("customer_features"), dbt.ref("model_sample")),
        search=dbt.ref("candidate_search").df(),
        family=selected_family(dbt.ref("model_leaderboard").df()),
        # with its outer-fold models: in score mode they score the customers it trained on;
        # loaded only if a customer to explain was scored by them
        load_kept_model=partial(load_served_models, session, dbt.ref("churn_model").df()),
        seed=int(dbt.config.meta_get("random_seed")),
        n_jobs=int(dbt.config.meta_get("workers")),
        # little or much against all scored customers: their quartiles, computed in DuckDB
        bands=typical_bands(dbt.ref("customer_risk")),
    )

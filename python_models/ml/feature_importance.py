"""Per feature: mean |SHAP| over all customers and permutation importance on held-out ones."""

from one_click.ml.explain import feature_importance
from one_click.ml.selection import selected_family


def model(dbt, session):
    dbt.config(materialized="table")
    customers = dbt.ref("customer_features").df()
    family = selected_family(dbt.ref("model_leaderboard").df())
    search = dbt.ref("candidate_search").df()
    return feature_importance(customers, search, family, dbt.ref("customer_shap_values").df())

"""Out-of-fold SHAP values of every customer under the selected family (long format)."""

from one_click.ml.explain import selected_shap_values
from one_click.ml.selection import selected_family


def model(dbt, session):
    dbt.config(materialized="table")
    customers = dbt.ref("customer_features").df()
    family = selected_family(dbt.ref("model_leaderboard").df())
    return selected_shap_values(customers, dbt.ref("candidate_search").df(), family, n_jobs=2)

"""Per feature: mean |SHAP| over the SHAP sample and permutation importance on the held-out 25 %
of the model sample."""

from one_click.ml.explain import feature_importance
from one_click.ml.sampling import rows_of
from one_click.ml.selection import selected_family


def model(dbt, session):
    dbt.config(materialized="table")
    customers = rows_of(dbt.ref("customer_features"), dbt.ref("model_sample"))
    family = selected_family(dbt.ref("model_leaderboard").df())
    search = dbt.ref("candidate_search").df()
    shap_values = dbt.ref("customer_shap_values").df()
    return feature_importance(customers, search, family, shap_values, n_jobs=2)

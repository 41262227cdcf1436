"""Out-of-fold SHAP values of the SHAP sample under the selected family (long format)."""

from one_click.ml.explain import selected_shap_values
from one_click.ml.sampling import rows_of, stratified_sample
from one_click.ml.selection import selected_family


def model(dbt, session):
    # the SHAP sample's cap: var shap_sample_size, rendered by dbt into meta
    dbt.config(materialized="table")
    size = int(dbt.config.meta_get("shap_sample_size"))
    sample = dbt.ref("model_sample")
    customers = rows_of(dbt.ref("customer_features"), sample)
    return selected_shap_values(
        customers,
        dbt.ref("candidate_search").df(),
        selected_family(dbt.ref("model_leaderboard").df()),
        n_jobs=2,
        explained=stratified_sample(customers, size)["customer_id"],
        # the values must add up to the scores customer_scores gave (and it runs after it, so
        # the two models' workers never share the 2 cores)
        scores=rows_of(dbt.ref("customer_scores"), sample),
    )

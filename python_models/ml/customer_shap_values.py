"""Out-of-fold SHAP values of the SHAP sample under the selected family (long format); in score
mode (var score_only) the kept model's, which scored every customer."""

from one_click.ml.explain import kept_model_shap_values, selected_shap_values
from one_click.ml.persist import load_kept_model
from one_click.ml.sampling import rows_of, stratified_sample
from one_click.ml.selection import selected_family
from one_click.project import meta_flag


def model(dbt, session):
    # the SHAP sample's cap: var shap_sample_size; score_only, random_seed, workers; rendered by
    # dbt into meta
    dbt.config(materialized="table")
    size = int(dbt.config.meta_get("shap_sample_size"))
    seed = int(dbt.config.meta_get("random_seed"))
    workers = int(dbt.config.meta_get("workers"))
    sample = dbt.ref("model_sample")
    customers = rows_of(dbt.ref("customer_features"), sample)
    explained = stratified_sample(customers, size, seed)["customer_id"]
    # the values must add up to the scores customer_scores gave (and it runs after it, so
    # the two models' workers never share the cores)
    scores = rows_of(dbt.ref("customer_scores"), sample)
    if meta_flag(dbt.config.meta_get("score_only")):
        kept = load_kept_model(session, dbt.ref("churn_model").df())
        return kept_model_shap_values(kept, customers, explained, scores, seed=seed, n_jobs=workers)
    return selected_shap_values(
        customers,
        dbt.ref("candidate_search").df(),
        selected_family(dbt.ref("model_leaderboard").df()),
        seed=seed,
        n_jobs=workers,
        explained=explained,
        scores=scores,
    )

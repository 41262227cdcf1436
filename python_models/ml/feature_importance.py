"""Per feature: mean |SHAP| over the SHAP sample and permutation importance on the held-out 25 %
of the model sample; in score mode (var score_only) the kept model's permutation importance on
this month's model sample.

It reads neither churn_model nor customer_scores, so that it runs while the kept model is
trained (in score mode the kept model is read where churn_model copies it from, var
kept_model_dir, as customer_shap_values reads it)."""

from pathlib import Path

from one_click.ml.explain import feature_importance, kept_model_importance
from one_click.ml.persist import ARTIFACT_NAME, load_model
from one_click.ml.sampling import rows_of
from one_click.ml.selection import selected_family
from one_click.project import meta_flag


def model(dbt, session):
    # score_only, kept_model_dir, random_seed, workers, rendered by dbt into meta
    dbt.config(materialized="table")
    seed = int(dbt.config.meta_get("random_seed"))
    workers = int(dbt.config.meta_get("workers"))
    customers = rows_of(dbt.ref("customer_features"), dbt.ref("model_sample"))
    family = selected_family(dbt.ref("model_leaderboard").df())
    search = dbt.ref("candidate_search").df()
    shap_values = dbt.ref("customer_shap_values").df()
    if meta_flag(dbt.config.meta_get("score_only")):
        # its own statement: dbt finds the meta keys a model reads only in plain calls
        kept_model_dir = Path(dbt.config.meta_get("kept_model_dir"))
        kept = load_model(kept_model_dir / ARTIFACT_NAME)
        return kept_model_importance(kept, customers, shap_values, seed=seed, n_jobs=workers)
    return feature_importance(customers, search, family, shap_values, seed=seed, n_jobs=workers)

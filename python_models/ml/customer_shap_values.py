"""Out-of-fold SHAP values of the SHAP sample under the selected family (long format); in score
mode (var score_only) those of the models that scored them: the kept model, and for a customer it
trained on the kept outer-fold model that did not.

It reads neither customer_scores nor churn_model, so that it runs while the kept model is
trained and scores the customers: the SHAP sample's scores are the selected family's out-of-fold
probabilities (candidate_predictions), which customer_scores shows them; in score mode the kept
model is read where churn_model copies it from (var kept_model_dir)."""

from pathlib import Path

from one_click.ml.explain import kept_model_shap_values, selected_shap_values
from one_click.ml.persist import ARTIFACT_NAME, load_fold_models, load_model
from one_click.ml.sampling import rows_of, stratified_sample
from one_click.ml.selection import selected_family
from one_click.project import meta_flag


def model(dbt, session):
    # the SHAP sample's cap: var shap_sample_size; score_only, kept_model_dir, random_seed,
    # workers; rendered by dbt into meta
    dbt.config(materialized="table")
    size = int(dbt.config.meta_get("shap_sample_size"))
    seed = int(dbt.config.meta_get("random_seed"))
    workers = int(dbt.config.meta_get("workers"))
    customers = rows_of(dbt.ref("customer_features"), dbt.ref("model_sample"))
    explained = stratified_sample(customers, size, seed)["customer_id"]
    if meta_flag(dbt.config.meta_get("score_only")):
        # its own statement: dbt finds the meta keys a model reads only in plain calls
        kept_model_dir = Path(dbt.config.meta_get("kept_model_dir"))
        kept = load_fold_models(kept_model_dir, load_model(kept_model_dir / ARTIFACT_NAME))
        return kept_model_shap_values(kept, customers, explained, seed=seed, n_jobs=workers)
    family = selected_family(dbt.ref("model_leaderboard").df())
    predictions = dbt.ref("candidate_predictions").df()
    scores = predictions[predictions["model_family"] == family].rename(
        columns={"oof_probability": "decline_probability"}
    )
    return selected_shap_values(
        customers,
        dbt.ref("candidate_search").df(),
        family,
        seed=seed,
        n_jobs=workers,
        explained=explained,
        scores=scores,
    )

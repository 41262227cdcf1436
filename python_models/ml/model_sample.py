"""The customers the model selection runs on: a stratified sample of customer_features."""

from one_click.ml.sampling import stratified_sample


def model(dbt, session):
    # the cap: var model_sample_size; random_seed; rendered by dbt into meta
    dbt.config(materialized="table")
    size = int(dbt.config.meta_get("model_sample_size"))
    labels = dbt.ref("customer_features").select("customer_id, activity_declined").df()
    return stratified_sample(labels, size, int(dbt.config.meta_get("random_seed")))

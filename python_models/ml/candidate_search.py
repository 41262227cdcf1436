"""The expensive step, run once per build: nested CV and the 75/25 split for every candidate,
on the model sample. In score mode (var score_only) the record of the search that selected the
kept model, read from the published warehouse it came with (var kept_warehouse)."""

from one_click.ml import workers
from one_click.ml.kept import kept_table
from one_click.project import meta_flag

SEARCH_MODULE = "one_click.ml.selection"


def model(dbt, session):
    # vars score_only, kept_warehouse, random_seed and workers, rendered by dbt into meta
    dbt.config(materialized="table")
    if meta_flag(dbt.config.meta_get("score_only")):
        return kept_table(dbt.config.meta_get("kept_warehouse"), "ml.candidate_search")
    n_jobs = int(dbt.config.meta_get("workers"))
    # the worker processes start (and import the search) while this process imports it and
    # reads the customers
    starting = workers.start(n_jobs, SEARCH_MODULE)
    from one_click.ml.sampling import rows_of
    from one_click.ml.selection import run_candidate_search

    customers = rows_of(dbt.ref("customer_features"), dbt.ref("model_sample"))
    starting.join()
    return run_candidate_search(
        customers, seed=int(dbt.config.meta_get("random_seed")), n_jobs=n_jobs
    )

"""The expensive step, run once per build: nested CV and the 75/25 split for every candidate,
on the model sample."""

from one_click.ml.sampling import rows_of
from one_click.ml.selection import run_candidate_search


def model(dbt, session):
    dbt.config(materialized="table")
    customers = rows_of(dbt.ref("customer_features"), dbt.ref("model_sample"))
    return run_candidate_search(customers, n_jobs=2)

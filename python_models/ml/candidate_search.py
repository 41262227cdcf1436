"""The expensive step, run once per build: nested CV and the 75/25 split for every candidate."""

from one_click.ml.selection import run_candidate_search


def model(dbt, session):
    dbt.config(materialized="table")
    customers = dbt.ref("customer_features").df()
    return run_candidate_search(customers, n_jobs=2)

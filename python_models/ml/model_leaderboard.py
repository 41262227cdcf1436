"""One row per candidate family; among those whose projected scoring time fits the budget, the
best mean outer-fold ROC-AUC is selected."""

from one_click.ml.selection import leaderboard


def model(dbt, session):
    # the budget: var scoring_budget_seconds, rendered by dbt into meta
    dbt.config(materialized="table")
    budget = float(dbt.config.meta_get("scoring_budget_seconds"))
    [(customers,)] = dbt.ref("customer_features").aggregate("count(*)").fetchall()
    return leaderboard(dbt.ref("candidate_search").df(), customers, budget)

"""One row per candidate family; among those whose projected scoring time fits the budget, the
best mean outer-fold ROC-AUC is selected. In score mode (var score_only) the kept model's
leaderboard, as published with it (var kept_warehouse)."""

from one_click.ml.kept import kept_table
from one_click.ml.selection import leaderboard, with_intervals
from one_click.project import meta_flag


def model(dbt, session):
    # the budget: var scoring_budget_seconds; score_only, kept_warehouse; rendered into meta
    dbt.config(materialized="table")
    search = dbt.ref("candidate_search").df()
    if meta_flag(dbt.config.meta_get("score_only")):
        kept = kept_table(dbt.config.meta_get("kept_warehouse"), "ml.model_leaderboard")
        return with_intervals(kept, search)  # a leaderboard kept before they were recorded
    budget = float(dbt.config.meta_get("scoring_budget_seconds"))
    [(customers,)] = dbt.ref("customer_features").aggregate("count(*)").fetchall()
    return leaderboard(search, customers, budget)

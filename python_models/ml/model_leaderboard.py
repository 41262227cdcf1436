"""One row per candidate family; the best mean outer-fold ROC-AUC is selected."""

from one_click.ml.selection import leaderboard


def model(dbt, session):
    dbt.config(materialized="table")
    return leaderboard(dbt.ref("candidate_search").df())

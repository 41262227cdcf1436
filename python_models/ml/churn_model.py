"""The kept model: selected family tuned and fitted on the model sample, saved beside the
warehouse."""

from one_click.ml.persist import model_directory
from one_click.ml.sampling import rows_of
from one_click.ml.training import keep_selected_model


def model(dbt, session):
    dbt.config(materialized="table")
    customers = rows_of(dbt.ref("customer_features"), dbt.ref("model_sample"))
    board = dbt.ref("model_leaderboard").df()
    return keep_selected_model(customers, board, model_directory(session), n_jobs=2)

"""The model sample: stratified, capped, deterministic, every customer when there are few."""

import duckdb
import pytest
from helpers import synthetic_customers

from one_click.ml.sampling import rows_of, stratified_sample
from one_click.project import setting

SEED = int(setting("random_seed"))  # the project's one seed, as the dbt models pass it


def test_every_customer_when_there_are_no_more_than_the_cap(customers):
    for size in (len(customers), len(customers) + 1, 10**6):
        sample = stratified_sample(customers, size, SEED)
        assert list(sample["customer_id"]) == sorted(customers["customer_id"])
        assert list(sample["activity_declined"]) == list(
            customers.sort_values("customer_id")["activity_declined"]
        )


def test_the_sample_is_capped_and_stratified_by_the_label():
    customers = synthetic_customers(1000, seed=4)
    share = customers["activity_declined"].mean()
    sample = stratified_sample(customers, 200, SEED)
    assert len(sample) == 200 and sample["customer_id"].is_unique
    assert set(sample["customer_id"]) <= set(customers["customer_id"])
    # each class in its share of all customers, to the customer
    assert abs(sample["activity_declined"].sum() - 200 * share) <= 1
    declined = customers.set_index("customer_id")["activity_declined"]
    assert list(sample["activity_declined"]) == list(declined.loc[sample["customer_id"]])


def test_the_sample_is_deterministic_whatever_the_order_of_the_customers():
    customers = synthetic_customers(500, seed=5)
    first = stratified_sample(customers, 100, SEED)
    shuffled = stratified_sample(customers.sample(frac=1, random_state=1), 100, SEED)
    assert first.equals(shuffled)
    assert list(first["customer_id"]) == sorted(first["customer_id"])
    other_seed = stratified_sample(customers, 100, seed=7)
    assert set(other_seed["customer_id"]) != set(first["customer_id"])


def test_a_sample_too_small_for_both_classes_is_refused(customers):
    with pytest.raises(ValueError, match="both classes"):
        stratified_sample(customers, 1, SEED)


def test_rows_of_a_relation_for_the_sampled_customers(customers):
    sample = stratified_sample(customers, 30, SEED)
    connection = duckdb.connect()
    try:
        connection.register("features", customers)
        connection.register("sample", sample)
        rows = rows_of(
            connection.sql("select * from features"), connection.sql("select * from sample")
        )
    finally:
        connection.close()
    assert sorted(rows["customer_id"]) == list(sample["customer_id"])
    assert list(rows.columns) == list(customers.columns)

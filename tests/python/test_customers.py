"""Customers to score from a delivery or a warehouse, their derived columns never on trust."""

from __future__ import annotations

import logging

import pytest

from one_click import synth
from one_click.customers import DeliveryRefused, derive, from_delivery, from_warehouse
from one_click.project import setting


@pytest.fixture(scope="module")
def delivered(tmp_path_factory):
    directory = synth.generate(400, tmp_path_factory.mktemp("delivery") / "d", fmt="parquet")
    return directory, from_delivery(directory)


@pytest.mark.slow
def test_a_delivery_becomes_customer_features_by_the_project_sql(delivered):
    directory, customers = delivered
    assert 380 < len(customers) <= 400  # a few are not active in every month
    assert customers["customer_id"].is_unique
    assert set(setting("derived_features")) <= set(customers.columns)


@pytest.mark.slow
def test_derived_columns_are_recomputed_the_same_way(delivered):
    _, customers = delivered
    assert derive(customers).equals(customers)


@pytest.mark.slow
def test_a_derived_column_that_does_not_follow_is_replaced_with_a_warning(delivered, caplog):
    _, customers = delivered
    edited = customers.copy()
    edited.loc[edited.index[:3], "minutes_2m_total"] = 10_000
    with caplog.at_level(logging.WARNING, logger="one_click"):
        fixed = derive(edited)
    assert fixed.equals(customers)
    assert "minutes_2m_total" in caplog.text and "3 of" in caplog.text


@pytest.mark.slow
def test_derive_fills_columns_a_frame_lacks(delivered):
    _, customers = delivered
    base = customers.drop(columns=list(setting("derived_features")))
    assert derive(base)[customers.columns].equals(customers)


@pytest.mark.slow
def test_a_bad_delivery_is_refused_naming_the_file(delivered, tmp_path):
    directory, _ = delivered
    (tmp_path / "bad").mkdir()
    for path in directory.iterdir():
        if path.name != "money.parquet":
            (tmp_path / "bad" / path.name).write_bytes(path.read_bytes())
    with pytest.raises(DeliveryRefused, match="money.csv"):
        from_delivery(tmp_path / "bad")


def test_a_missing_warehouse_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="make build"):
        from_warehouse(tmp_path / "none.duckdb")

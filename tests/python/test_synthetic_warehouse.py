"""The synthetic warehouse the report's tests render from is a complete one."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from synthetic_warehouse import EMPTY_SEGMENT, VARIANTS, build_report_warehouse, contracts

from one_click.report.data import missing_in, relation_name, relations


def test_synthetic_warehouse_has_everything_the_report_reads(tmp_path):
    path = build_report_warehouse(tmp_path / "synthetic.duckdb")
    with duckdb.connect(str(path), read_only=True) as con:
        assert missing_in(con) == []
        for frame in relations():
            count = con.execute(f"select count(*) from {relation_name(frame)}").fetchone()[0]
            assert count > 0, frame


def test_the_contracts_name_every_relation_the_report_reads():
    assert set(contracts()) == set(relations())
    for frame, columns in contracts().items():
        assert [name for name, _ in columns] == list(relations()[frame])


def test_synthetic_warehouse_is_the_same_every_build(tmp_path):
    frames = []
    for name in ("a.duckdb", "b.duckdb"):
        with duckdb.connect(str(build_report_warehouse(tmp_path / name)), read_only=True) as con:
            frames.append(con.sql("select * from reporting.rpt_shap_values order by all").df())
    pd.testing.assert_frame_equal(*frames)


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_empty_month_is_complete_and_empty_where_it_says(tmp_path, variant):
    path = build_report_warehouse(tmp_path / f"{variant}.duckdb", variant=variant)
    with duckdb.connect(str(path), read_only=True) as con:
        assert missing_in(con) == []

        def count(relation: str, where: str = "true") -> int:
            return con.execute(
                f"select count(*) from reporting.{relation} where {where}"
            ).fetchone()[0]

        listed, site = count("rpt_contact_list"), count("rpt_site_personalisation_targets")
        empty = count("rpt_segment_sizes", f"segment_name = '{EMPTY_SEGMENT}' and customers = 0")
        consenting = count("rpt_customer_features", "allow_offers")
    expected = {
        "no_consent": (0, True, 0, 0),
        "no_risk": (0, False, None, None),  # every segment "at risk" is empty too
        "empty_segment": (None, True, 1, None),
    }[variant]
    if expected[0] is not None:
        assert listed == expected[0]
    else:
        assert listed > 0
    assert (site > 0) == expected[1]
    if expected[2] is not None:
        assert empty == expected[2]
    if expected[3] is not None:
        assert consenting == expected[3]

"""The synthetic warehouse the report's tests render from is a complete one."""

from __future__ import annotations

import duckdb
import pandas as pd
from synthetic_warehouse import build_report_warehouse, contracts

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

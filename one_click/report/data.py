"""Every read the report makes from the warehouse, over one read-only DuckDB connection.

`REQUIRED` names each relation the report reads and the columns it needs from it; `load()`
checks them all first and fails naming every missing relation or column, so a half-built
warehouse never becomes a half-empty report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

# Row counts per layer, in the order the data flows.
LAYER_RELATIONS: tuple[tuple[str, str], ...] = (
    ("raw", "raw.market_file"),
    ("raw", "raw.market_money"),
    ("raw", "raw.market_time"),
    ("raw", "raw.money"),
    ("staging", "staging.stg_shop__customers"),
    ("staging", "staging.stg_shop__revenue"),
    ("staging", "staging.stg_shop__site_minutes"),
    ("staging", "staging.stg_shop__profit"),
    ("mart", "customers.customer_features"),
    ("model", "ml.customer_scores"),
)

SEGMENT_VIEWS: tuple[str, ...] = (
    "segments.high_risk_high_profit",
    "segments.promo_dependent_at_risk",
    "segments.long_lifecycle_buyers",
    "segments.kids_and_self_care",
)

# relation -> the columns the report reads from it (a relation counted only needs to exist)
REQUIRED: dict[str, tuple[str, ...]] = {
    **{relation: () for _, relation in LAYER_RELATIONS},
    "quality.data_defects": (
        "file_name",
        "column_name",
        "defect",
        "delivered_value",
        "rows_affected",
        "customers_affected",
        "handling",
    ),
    "customers.customer_features": ("customer_id", "activity_declined", "profit"),
    "ml.model_leaderboard": (
        "model_family",
        "best_params",
        "cv_roc_auc_mean",
        "cv_roc_auc_std",
        "holdout_roc_auc",
        "oof_roc_auc",
        "oof_brier_score",
        "fit_seconds",
        "cv_rank",
        "is_selected",
    ),
    "ml.candidate_predictions": (
        "model_family",
        "customer_id",
        "activity_declined",
        "oof_probability",
        "outer_fold",
    ),
    "ml.model_calibration": (
        "model_family",
        "bin",
        "mean_predicted",
        "observed_rate",
        "customers",
    ),
    "ml.feature_importance": (
        "feature",
        "mean_abs_shap",
        "shap_rank",
        "permutation_importance_mean",
        "permutation_importance_std",
        "permutation_rank",
    ),
    "ml.customer_shap_values": ("customer_id", "feature", "feature_value", "shap_value"),
    "ml.customer_scores": (
        "customer_id",
        "decline_probability",
        "risk_band",
        "top_reason_1",
        "top_reason_2",
        "top_reason_3",
        "model_family",
    ),
    **{view: ("customer_id",) for view in SEGMENT_VIEWS},
    "segments.risk_profit_matrix": ("risk_level", "profit_level", "customers", "profit_at_risk"),
    "marketing.segment_summary": (
        "segment_family",
        "segment_name",
        "customers",
        "mean_decline_probability",
        "monthly_profit",
        "profit_at_risk_3m",
    ),
    "marketing.segment_profiles": (
        "segment_family",
        "segment_name",
        "feature",
        "segment_mean",
        "rest_mean",
        "segment_median",
        "rest_median",
        "standardized_difference",
        "p_value_adjusted",
        "is_significant",
    ),
    "marketing.segment_recommendations": (
        "segment_family",
        "segment_name",
        "customers",
        "profit_at_risk_3m",
        "lever_1",
        "lever_2",
        "recommendation",
    ),
    "marketing.retention_targets": (
        "priority_rank",
        "customer_id",
        "decline_probability",
        "profit",
        "profit_at_risk",
        "top_reason_1",
        "top_reason_2",
        "top_reason_3",
        "segments",
    ),
}

HIGH_RISK_BAND = "high"
RETENTION_TARGETS_SHOWN = 25


class WarehouseError(RuntimeError):
    """The warehouse file is missing or lacks a relation or column the report needs."""


@dataclass(frozen=True)
class ReportData:
    """What the report shows, as read from the warehouse."""

    warehouse_name: str
    data_defects: pd.DataFrame
    layer_counts: pd.DataFrame
    customer_features: pd.DataFrame
    leaderboard: pd.DataFrame
    candidate_predictions: pd.DataFrame
    calibration: pd.DataFrame
    feature_importance: pd.DataFrame
    shap_values: pd.DataFrame
    customer_scores: pd.DataFrame
    risk_bands: pd.DataFrame
    segment_sizes: pd.DataFrame
    risk_profit_matrix: pd.DataFrame
    segment_summary: pd.DataFrame
    segment_profiles: pd.DataFrame
    segment_recommendations: pd.DataFrame
    retention_targets: pd.DataFrame
    retention_target_count: int
    summary: dict


def _columns_by_relation(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    rows = con.execute(
        "select table_schema || '.' || table_name, column_name from information_schema.columns"
    ).fetchall()
    found: dict[str, set[str]] = {}
    for relation, column in rows:
        found.setdefault(relation, set()).add(column)
    return found


def missing_in(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every required relation (or relation.column) the warehouse lacks, in REQUIRED's order."""
    found = _columns_by_relation(con)
    missing = []
    for relation, columns in REQUIRED.items():
        if relation not in found:
            missing.append(f"table {relation}")
            continue
        missing.extend(f"column {relation}.{c}" for c in columns if c not in found[relation])
    return missing


def connect(warehouse_path: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to an existing warehouse with every relation the report needs."""
    path = Path(warehouse_path)
    if not path.is_file():
        raise WarehouseError(f"warehouse not found: {path}")
    con = duckdb.connect(str(path), read_only=True)
    missing = missing_in(con)
    if missing:
        con.close()
        raise WarehouseError(f"warehouse {path} lacks what the report needs: " + "; ".join(missing))
    return con


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def _layer_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    # relation names come from LAYER_RELATIONS above, never from input
    sql = " union all ".join(
        f"select {i} as position, '{layer}' as layer, '{relation}' as relation, "
        f"count(*) as row_count from {relation}"
        for i, (layer, relation) in enumerate(LAYER_RELATIONS)
    )
    return _frame(con, f"select layer, relation, row_count from ({sql}) order by position")


def _segment_sizes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    sql = " union all ".join(
        f"select {i} as position, '{view.split('.')[1]}' as segment_name, "
        f"count(*) as customers from {view}"
        for i, view in enumerate(SEGMENT_VIEWS)
    )
    return _frame(con, f"select segment_name, customers from ({sql}) order by position")


def read(con: duckdb.DuckDBPyConnection, warehouse_name: str = "") -> ReportData:
    """Read everything the report shows; every order is explicit so the report is deterministic."""
    selected = con.execute(
        "select model_family, oof_roc_auc, cv_roc_auc_mean, cv_roc_auc_std, holdout_roc_auc "
        "from ml.model_leaderboard where is_selected order by model_family limit 1"
    ).fetchone()
    if selected is None:
        raise WarehouseError("ml.model_leaderboard has no selected model (is_selected)")
    high_risk = con.execute(
        """
        select
            count(*),
            coalesce(sum(f.profit), 0),
            coalesce(sum(s.decline_probability * f.profit), 0)
        from ml.customer_scores as s
        inner join customers.customer_features as f using (customer_id)
        where s.risk_band = ?
        """,
        [HIGH_RISK_BAND],
    ).fetchone()
    totals = con.execute(
        """
        select count(*), avg(cast(activity_declined as integer)), sum(profit)
        from customers.customer_features
        """
    ).fetchone()
    summary = {
        "selected_model": selected[0],
        "selected_oof_roc_auc": selected[1],
        "selected_cv_roc_auc_mean": selected[2],
        "selected_cv_roc_auc_std": selected[3],
        "selected_holdout_roc_auc": selected[4],
        "high_risk_band": HIGH_RISK_BAND,
        "high_risk_customers": high_risk[0],
        "high_risk_monthly_profit": high_risk[1],
        "high_risk_expected_monthly_loss": high_risk[2],
        "customers": totals[0],
        "declined_share": totals[1],
        "monthly_profit": totals[2],
    }
    return ReportData(
        warehouse_name=warehouse_name,
        data_defects=_frame(
            con,
            """
            select file_name, column_name, defect, delivered_value, rows_affected,
                customers_affected, handling
            from quality.data_defects
            order by file_name, column_name nulls first, defect, delivered_value
            """,
        ),
        layer_counts=_layer_counts(con),
        customer_features=_frame(
            con, "select * from customers.customer_features order by customer_id"
        ),
        leaderboard=_frame(
            con,
            """
            select model_family, best_params, cv_roc_auc_mean, cv_roc_auc_std, holdout_roc_auc,
                oof_roc_auc, oof_brier_score, fit_seconds, cv_rank, is_selected
            from ml.model_leaderboard
            order by cv_rank, model_family
            """,
        ),
        candidate_predictions=_frame(
            con,
            """
            select model_family, customer_id, activity_declined, oof_probability, outer_fold
            from ml.candidate_predictions
            order by model_family, customer_id
            """,
        ),
        calibration=_frame(
            con,
            """
            select model_family, bin, mean_predicted, observed_rate, customers
            from ml.model_calibration
            order by model_family, bin
            """,
        ),
        feature_importance=_frame(
            con,
            """
            select feature, mean_abs_shap, shap_rank, permutation_importance_mean,
                permutation_importance_std, permutation_rank
            from ml.feature_importance
            order by shap_rank, feature
            """,
        ),
        shap_values=_frame(
            con,
            """
            select customer_id, feature, feature_value, shap_value
            from ml.customer_shap_values
            order by feature, customer_id
            """,
        ),
        customer_scores=_frame(
            con,
            """
            select customer_id, decline_probability, risk_band, top_reason_1, top_reason_2,
                top_reason_3, model_family
            from ml.customer_scores
            order by customer_id
            """,
        ),
        risk_bands=_frame(
            con,
            """
            select risk_band, count(*) as customers, min(decline_probability) as min_probability,
                max(decline_probability) as max_probability
            from ml.customer_scores
            group by risk_band
            order by min(decline_probability)
            """,
        ),
        segment_sizes=_segment_sizes(con),
        risk_profit_matrix=_frame(
            con,
            """
            select risk_level, profit_level, customers, profit_at_risk
            from segments.risk_profit_matrix
            order by risk_level, profit_level
            """,
        ),
        segment_summary=_frame(
            con,
            """
            select segment_family, segment_name, customers, mean_decline_probability,
                monthly_profit, profit_at_risk_3m
            from marketing.segment_summary
            order by segment_family, profit_at_risk_3m desc, segment_name
            """,
        ),
        segment_profiles=_frame(
            con,
            """
            select segment_family, segment_name, feature, segment_mean, rest_mean,
                segment_median, rest_median, standardized_difference, p_value_adjusted,
                is_significant
            from marketing.segment_profiles
            order by segment_family, segment_name, feature
            """,
        ),
        segment_recommendations=_frame(
            con,
            """
            select segment_family, segment_name, customers, profit_at_risk_3m, lever_1,
                lever_2, recommendation
            from marketing.segment_recommendations
            order by segment_family, profit_at_risk_3m desc, segment_name
            """,
        ),
        retention_targets=_frame(
            con,
            """
            select priority_rank, customer_id, decline_probability, profit, profit_at_risk,
                top_reason_1, top_reason_2, top_reason_3, segments
            from marketing.retention_targets
            order by priority_rank, customer_id
            limit ?
            """,
            [RETENTION_TARGETS_SHOWN],
        ),
        retention_target_count=con.execute(
            "select count(*) from marketing.retention_targets"
        ).fetchone()[0],
        summary=summary,
    )


def load(warehouse_path: str | Path) -> ReportData:
    """Check the warehouse and read the report's data from it, read-only."""
    con = connect(warehouse_path)
    try:
        return read(con, warehouse_name=Path(warehouse_path).name)
    finally:
        con.close()

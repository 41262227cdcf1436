"""Every read the report makes from the warehouse, over one read-only DuckDB connection.

`REQUIRED` names each relation the report reads and the columns it needs from it; `QUERIES`
holds every query, each with the relations it reads. `load()` checks the warehouse first and
fails naming every missing relation or column, so a half-built warehouse never becomes a
half-empty report. Only a draft (`strict=False`, for development while tables are still being
built) reads what exists and leaves the rest as None, for the report to mark "not built yet".
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
        "oof_calibration_error",
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
    "ml.customer_shap_values": (
        "customer_id",
        "feature",
        "feature_value",
        "feature_label",
        "shap_value",
    ),
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
    "segments.risk_profit_matrix": (
        "customer_id",
        "risk_band",
        "profit_level",
        "profit_at_risk_3m",
    ),
    "marketing.segment_summary": (
        "segment_family",
        "segment_name",
        "customers",
        "customer_share",
        "mean_decline_probability",
        "monthly_profit",
        "profit_at_risk_3m",
        "profit_at_risk_share",
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
        "profit_at_risk_3m",
        "cumulative_profit_at_risk_3m",
        "allow_offers",
        "favourite_category",
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
class Query:
    """One read: the SQL and the relations it reads (its frame is None in a draft without them)."""

    relations: tuple[str, ...]
    sql: str
    params: tuple = ()


def _union(parts: list[str], columns: str) -> str:
    return f"select {columns} from ({' union all '.join(parts)}) order by position"


QUERIES: dict[str, Query] = {
    "summary": Query(
        ("ml.model_leaderboard", "ml.customer_scores", "customers.customer_features"),
        """
        with

        selected as (
            select
                model_family as selected_model,
                oof_roc_auc as selected_oof_roc_auc,
                cv_roc_auc_mean as selected_cv_roc_auc_mean,
                cv_roc_auc_std as selected_cv_roc_auc_std,
                holdout_roc_auc as selected_holdout_roc_auc
            from ml.model_leaderboard
            where is_selected
        ),

        -- profit at risk: the customer's decline probability x their mean monthly profit
        scored as (
            select
                s.risk_band = $high_risk_band as is_high_risk,
                f.profit,
                s.decline_probability * f.profit as profit_at_risk
            from ml.customer_scores as s
            inner join customers.customer_features as f using (customer_id)
        ),

        risk as (
            select
                count(*) filter (where is_high_risk) as high_risk_customers,
                coalesce(sum(profit) filter (where is_high_risk), 0) as high_risk_monthly_profit,
                coalesce(sum(profit_at_risk) filter (where is_high_risk), 0)
                    as high_risk_monthly_profit_at_risk,
                sum(profit_at_risk) as monthly_profit_at_risk
            from scored
        ),

        totals as (
            select
                count(*) as customers,
                avg(cast(activity_declined as integer)) as declined_share,
                sum(profit) as monthly_profit
            from customers.customer_features
        )

        select *, $high_risk_band as high_risk_band
        from selected cross join risk cross join totals
        order by selected_model
        """,
    ),
    "data_defects": Query(
        ("quality.data_defects",),
        """
        select file_name, column_name, defect, delivered_value, rows_affected,
            customers_affected, handling
        from quality.data_defects
        order by file_name, column_name nulls first, defect, delivered_value
        """,
    ),
    # relation names come from LAYER_RELATIONS and SEGMENT_VIEWS above, never from input
    "layer_counts": Query(
        tuple(relation for _, relation in LAYER_RELATIONS),
        _union(
            [
                f"select {i} as position, '{layer}' as layer, '{relation}' as relation, "
                f"count(*) as row_count from {relation}"
                for i, (layer, relation) in enumerate(LAYER_RELATIONS)
            ],
            "layer, relation, row_count",
        ),
    ),
    "customer_features": Query(
        ("customers.customer_features",),
        "select * from customers.customer_features order by customer_id",
    ),
    "leaderboard": Query(
        ("ml.model_leaderboard",),
        """
        select model_family, best_params, cv_roc_auc_mean, cv_roc_auc_std, holdout_roc_auc,
            oof_roc_auc, oof_brier_score, oof_calibration_error, fit_seconds, cv_rank,
            is_selected
        from ml.model_leaderboard
        order by cv_rank, model_family
        """,
    ),
    "candidate_predictions": Query(
        ("ml.candidate_predictions",),
        """
        select model_family, customer_id, activity_declined, oof_probability, outer_fold
        from ml.candidate_predictions
        order by model_family, customer_id
        """,
    ),
    "calibration": Query(
        ("ml.model_calibration",),
        """
        select model_family, bin, mean_predicted, observed_rate, customers
        from ml.model_calibration
        order by model_family, bin
        """,
    ),
    "feature_importance": Query(
        ("ml.feature_importance",),
        """
        select feature, mean_abs_shap, shap_rank, permutation_importance_mean,
            permutation_importance_std, permutation_rank
        from ml.feature_importance
        order by shap_rank, feature
        """,
    ),
    "shap_values": Query(
        ("ml.customer_shap_values",),
        """
        select customer_id, feature, feature_value, feature_label, shap_value
        from ml.customer_shap_values
        order by feature, customer_id
        """,
    ),
    "customer_scores": Query(
        ("ml.customer_scores",),
        """
        select customer_id, decline_probability, risk_band, top_reason_1, top_reason_2,
            top_reason_3, model_family
        from ml.customer_scores
        order by customer_id
        """,
    ),
    "risk_bands": Query(
        ("ml.customer_scores",),
        """
        select risk_band, count(*) as customers, min(decline_probability) as min_probability,
            max(decline_probability) as max_probability
        from ml.customer_scores
        group by risk_band
        order by min(decline_probability), risk_band
        """,
    ),
    "segment_sizes": Query(
        SEGMENT_VIEWS,
        _union(
            [
                f"select {i} as position, '{view.split('.')[1]}' as segment_name, "
                f"count(*) as customers from {view}"
                for i, view in enumerate(SEGMENT_VIEWS)
            ],
            "segment_name, customers",
        ),
    ),
    "risk_profit_matrix": Query(
        ("segments.risk_profit_matrix",),
        """
        select
            risk_band,
            profit_level,
            count(*) as customers,
            sum(profit_at_risk_3m) as profit_at_risk_3m
        from segments.risk_profit_matrix
        group by risk_band, profit_level
        order by risk_band, profit_level
        """,
    ),
    "segment_summary": Query(
        ("marketing.segment_summary",),
        """
        select segment_family, segment_name, customers, customer_share,
            mean_decline_probability, monthly_profit, profit_at_risk_3m, profit_at_risk_share
        from marketing.segment_summary
        order by segment_family desc, profit_at_risk_3m desc, segment_name
        """,
    ),
    "segment_profiles": Query(
        ("marketing.segment_profiles",),
        """
        select segment_family, segment_name, feature, segment_mean, rest_mean,
            segment_median, rest_median, standardized_difference, p_value_adjusted,
            is_significant
        from marketing.segment_profiles
        order by segment_family, segment_name, feature
        """,
    ),
    "segment_recommendations": Query(
        ("marketing.segment_recommendations",),
        """
        select segment_family, segment_name, customers, profit_at_risk_3m, lever_1,
            lever_2, recommendation
        from marketing.segment_recommendations
        order by segment_family desc, profit_at_risk_3m desc, segment_name
        """,
    ),
    "retention_targets": Query(
        ("marketing.retention_targets",),
        f"""
        select priority_rank, customer_id, decline_probability, profit, profit_at_risk_3m,
            cumulative_profit_at_risk_3m, allow_offers, favourite_category, top_reason_1,
            top_reason_2, top_reason_3, segments
        from marketing.retention_targets
        order by priority_rank, customer_id
        limit {RETENTION_TARGETS_SHOWN}
        """,
    ),
    "retention_curve": Query(
        ("marketing.retention_targets",),
        """
        select priority_rank, cumulative_profit_at_risk_3m
        from marketing.retention_targets
        order by priority_rank
        """,
    ),
}
PARAMS = {"high_risk_band": HIGH_RISK_BAND}


@dataclass(frozen=True)
class ReportData:
    """What the report shows, as read from the warehouse: one frame per query of QUERIES
    (None only in a draft, where `missing` says which relations or columns were absent)."""

    warehouse_name: str
    frames: dict[str, pd.DataFrame | None]
    missing: dict[str, list[str]]

    def __getitem__(self, name: str) -> pd.DataFrame:
        frame = self.frames[name]
        if frame is None:
            raise KeyError(f"{name} was not read: {', '.join(self.missing_for([name]))} missing")
        return frame

    def missing_for(self, names) -> list[str]:
        """The absent relations (or columns) the named frames need, in REQUIRED's order."""
        needed = {relation for name in names for relation in QUERIES[name].relations}
        return [
            p for relation, problems in self.missing.items() if relation in needed for p in problems
        ]


def missing_by_relation(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Relation -> what it lacks ("table x.y" or "column x.y.z"), for every incomplete one."""
    found: dict[str, set[str]] = {}
    rows = con.execute(
        "select table_schema || '.' || table_name, column_name from information_schema.columns"
    ).fetchall()
    for relation, column in rows:
        found.setdefault(relation, set()).add(column)
    missing: dict[str, list[str]] = {}
    for relation, columns in REQUIRED.items():
        if relation not in found:
            missing[relation] = [f"table {relation}"]
        elif absent := [f"column {relation}.{c}" for c in columns if c not in found[relation]]:
            missing[relation] = absent
    return missing


def missing_in(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every required relation or column the warehouse lacks, in REQUIRED's order."""
    return [p for problems in missing_by_relation(con).values() for p in problems]


def read(
    con: duckdb.DuckDBPyConnection,
    warehouse_name: str = "",
    strict: bool = True,
    location: str | None = None,
) -> ReportData:
    """Read everything the report shows; every order is explicit so the report is deterministic.

    strict (the default): a missing relation or column raises WarehouseError naming all of them
    (and the warehouse by `location`, its path, or else its name).
    """
    missing = missing_by_relation(con)
    if strict and missing:
        problems = "; ".join(p for ps in missing.values() for p in ps)
        where = location or warehouse_name
        raise WarehouseError(f"warehouse {where} lacks what the report needs: {problems}")
    frames: dict[str, pd.DataFrame | None] = {}
    for name, query in QUERIES.items():
        if any(relation in missing for relation in query.relations):
            frames[name] = None
            continue
        params = {k: v for k, v in PARAMS.items() if f"${k}" in query.sql}
        try:
            frames[name] = con.execute(query.sql, params).df()
        except duckdb.Error as error:  # e.g. a view whose own query no longer binds
            relations = ", ".join(query.relations)
            raise WarehouseError(f"cannot read {relations} ({name}): {error}") from error
    summary = frames["summary"]
    if summary is not None and len(summary) != 1:
        raise WarehouseError(
            f"ml.model_leaderboard must select exactly one model (is_selected), got {len(summary)}"
        )
    return ReportData(warehouse_name, frames, missing)


def load(warehouse_path: str | Path, strict: bool = True) -> ReportData:
    """Read the report's data from the warehouse file, read-only (see read())."""
    path = Path(warehouse_path)
    if not path.is_file():
        raise WarehouseError(f"warehouse not found: {path}")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as error:  # e.g. a dbt build holds the write lock
        raise WarehouseError(f"cannot open warehouse {path} read-only: {error}") from error
    try:
        return read(con, warehouse_name=path.name, strict=strict, location=str(path))
    finally:
        con.close()

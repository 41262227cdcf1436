"""A small synthetic warehouse for the report's tests, and checks that it is a complete one.

SCHEMA and VIEWS are the one place its relations are declared; `build_report_warehouse()` fills
them with a few dozen made-up customers (seeded, so every build is the same). One text value in
quality.data_defects and one in marketing.segment_recommendations carry INJECTED, which the
report must print escaped.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from one_click.report.data import QUERIES, REQUIRED, missing_in

INJECTED = "<script>alert('injected')</script>"
FAMILIES = ("logistic_regression", "soft_voting", "knn")
SELECTED = "logistic_regression"
CUSTOMERS = 80

SCHEMA: dict[str, str] = {
    "raw.market_file": 'id integer, "Покупательская активность" varchar',
    "raw.market_money": 'id integer, "Период" varchar, "Выручка" double',
    "raw.market_time": 'id integer, "Период" varchar, "минут" integer',
    "raw.money": 'id integer, "Прибыль" varchar',
    "quality.data_defects": """
        file_name varchar, column_name varchar, defect varchar, delivered_value varchar,
        rows_affected bigint, customers_affected bigint, handling varchar""",
    "customers.customer_features": """
        customer_id integer primary key, activity_declined boolean not null,
        service_tier varchar not null, allow_offers boolean not null,
        favourite_category varchar not null, marketing_contacts_6m_avg double,
        marketing_contacts_current_month integer, tenure_days integer,
        promo_purchase_share double, categories_per_visit integer, unpaid_items_quarter integer,
        service_errors integer, pages_per_visit integer, revenue_month_before_previous double,
        revenue_previous_month double, revenue_current_month double,
        has_imputed_revenue boolean, minutes_previous_month integer not null,
        minutes_current_month integer not null, revenue_change_ratio double,
        revenue_3m_total double, minutes_change integer, minutes_2m_total integer,
        profit double not null""",
    "ml.model_leaderboard": """
        model_family varchar, best_params varchar, cv_roc_auc_mean double, cv_roc_auc_std double,
        holdout_roc_auc double, oof_roc_auc double, oof_brier_score double,
        oof_calibration_error double, fit_seconds double, cv_rank integer,
        is_selected boolean""",
    "ml.candidate_predictions": """
        model_family varchar, customer_id integer, activity_declined boolean,
        oof_probability double, outer_fold integer""",
    "ml.model_calibration": """
        model_family varchar, is_selected boolean, bin integer, bin_lower double,
        bin_upper double, mean_predicted double, observed_rate double, customers integer""",
    "ml.feature_importance": """
        feature varchar, mean_abs_shap double, shap_rank integer,
        permutation_importance_mean double, permutation_importance_std double,
        permutation_rank integer""",
    "ml.customer_shap_values": """
        customer_id integer, feature varchar, feature_value double, feature_label varchar,
        shap_value double""",
    "ml.customer_scores": """
        customer_id integer, decline_probability double, risk_band varchar,
        top_reason_1 varchar, top_reason_2 varchar, top_reason_3 varchar, model_family varchar""",
    # a view over customer_risk in the project: one row per scored customer
    "segments.risk_profit_matrix": """
        customer_id integer, decline_probability double, risk_band varchar, profit double,
        profit_level varchar, profit_at_risk double, favourite_category varchar,
        promo_purchase_share double, tenure_days integer, matrix_cell varchar""",
    "marketing.segment_summary": """
        segment_family varchar, segment_name varchar, customers bigint, customer_share double,
        mean_decline_probability double, monthly_profit double, profit_at_risk double,
        profit_at_risk_share double""",
    "marketing.segment_profiles": """
        segment_family varchar, segment_name varchar, feature varchar,
        segment_customers bigint, rest_customers bigint, segment_mean double,
        rest_mean double, segment_median double, rest_median double, mean_difference double,
        standardized_difference double, p_value double, p_value_adjusted double,
        is_significant boolean""",
    "marketing.segment_recommendations": """
        segment_family varchar, segment_name varchar, customers bigint,
        profit_at_risk double, lever_1 varchar, lever_2 varchar, recommendation varchar""",
    "marketing.retention_targets": """
        priority_rank bigint, customer_id integer, decline_probability double,
        risk_band varchar, profit double, profit_at_risk double,
        cumulative_profit_at_risk double, allow_offers boolean, favourite_category varchar,
        top_reason_1 varchar, top_reason_2 varchar, top_reason_3 varchar, segments varchar""",
}

VIEWS: dict[str, str] = {
    "staging.stg_shop__customers": "select id as customer_id from raw.market_file",
    "staging.stg_shop__revenue": "select id as customer_id from raw.market_money",
    "staging.stg_shop__site_minutes": "select id as customer_id from raw.market_time",
    "staging.stg_shop__profit": "select id as customer_id from raw.money",
    "segments.high_risk_high_profit": """
        select * from segments.risk_profit_matrix
        where risk_band = 'high' and profit_level = 'high'""",
    "segments.promo_dependent_at_risk": """
        select * from segments.risk_profit_matrix
        where risk_band = 'high' and promo_purchase_share >= 0.5""",
    "segments.long_lifecycle_buyers": """
        select * from segments.risk_profit_matrix where tenure_days > 700""",
    "segments.kids_and_self_care": """
        select * from segments.risk_profit_matrix
        where favourite_category in ('Товары для детей', 'Косметика и аксессуары')""",
}

CATEGORIES = (
    "Товары для детей",
    "Домашний текстиль",
    "Косметика и аксессуары",
    "Кухонная посуда",
)
SHAP_FEATURES = (
    "pages_per_visit",
    "promo_purchase_share",
    "minutes_current_month",
    "service_tier",
    "unpaid_items_quarter",
    "tenure_days",
)
SEGMENTS = tuple(v.split(".")[1] for v in VIEWS if v.startswith("segments."))


def _customers(rng: np.random.Generator, n: int) -> pd.DataFrame:
    declined = rng.random(n) < 0.4
    shift = declined.astype(float)
    revenue = rng.normal(5000, 700, (n, 3)).clip(100)
    minutes = rng.integers(6, 24, (n, 2)) - (shift[:, None] * 3).astype(int)
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(215_000, 215_000 + n),
            "activity_declined": declined,
            "service_tier": np.where(rng.random(n) < 0.3, "премиум", "стандарт"),
            "allow_offers": rng.random(n) < 0.7,
            "favourite_category": rng.choice(CATEGORIES, n),
            "marketing_contacts_6m_avg": rng.normal(4.2, 0.8, n).round(1),
            "marketing_contacts_current_month": rng.integers(1, 7, n),
            "tenure_days": rng.integers(120, 1100, n),
            "promo_purchase_share": (rng.beta(2, 5, n) + 0.25 * shift).clip(0, 1).round(2),
            "categories_per_visit": rng.integers(1, 6, n),
            "unpaid_items_quarter": rng.poisson(2 + 2 * shift),
            "service_errors": rng.poisson(4, n),
            "pages_per_visit": (rng.integers(4, 16, n) - 4 * shift).astype(int).clip(1),
            "revenue_month_before_previous": revenue[:, 0].round(1),
            "revenue_previous_month": revenue[:, 1].round(1),
            "revenue_current_month": revenue[:, 2].round(1),
            "has_imputed_revenue": np.arange(n) == 3,
            "minutes_previous_month": minutes[:, 0],
            "minutes_current_month": minutes[:, 1],
            "profit": rng.gamma(8, 0.5, n).round(2),
        }
    )
    frame["revenue_change_ratio"] = frame["revenue_current_month"] / frame["revenue_previous_month"]
    frame["revenue_3m_total"] = revenue.sum(axis=1).round(1)
    frame["minutes_change"] = frame["minutes_current_month"] - frame["minutes_previous_month"]
    frame["minutes_2m_total"] = frame["minutes_current_month"] + frame["minutes_previous_month"]
    return frame


def _predictions(rng: np.random.Generator, customers: pd.DataFrame) -> pd.DataFrame:
    signal = customers["activity_declined"].astype(float).to_numpy() * 2 - 1
    frames = []
    for strength, family in zip((1.6, 1.1, 0.6), FAMILIES, strict=True):
        logit = strength * signal + rng.normal(0, 1, len(customers))
        frames.append(
            pd.DataFrame(
                {
                    "model_family": family,
                    "customer_id": customers["customer_id"],
                    "activity_declined": customers["activity_declined"],
                    "oof_probability": 1 / (1 + np.exp(-logit)),
                    "outer_fold": np.arange(len(customers)) % 5 + 1,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _leaderboard(predictions: pd.DataFrame) -> pd.DataFrame:
    from sklearn.metrics import brier_score_loss, roc_auc_score

    rows = []
    for family, group in predictions.groupby("model_family", sort=False):
        y, p = group["activity_declined"].astype(int), group["oof_probability"]
        folds = [
            roc_auc_score(g["activity_declined"].astype(int), g["oof_probability"])
            for _, g in group.groupby("outer_fold")
        ]
        rows.append(
            {
                "model_family": family,
                # as long as the real ones: the report must wrap them
                "best_params": json.dumps(
                    {
                        "model__extra_trees__max_features": 0.3,
                        "model__extra_trees__min_samples_leaf": 4,
                        "model__logistic_regression__C": 0.47156966780898374,
                        "preprocess__numeric": "robust",
                    }
                ),
                "cv_roc_auc_mean": float(np.mean(folds)),
                "cv_roc_auc_std": float(np.std(folds, ddof=1)),
                "holdout_roc_auc": float(np.mean(folds)) - 0.01,
                "oof_roc_auc": roc_auc_score(y, p),
                "oof_brier_score": brier_score_loss(y, p),
                "oof_calibration_error": 0.04,
                "fit_seconds": 1.5,
            }
        )
    board = pd.DataFrame(rows).sort_values("cv_roc_auc_mean", ascending=False)
    board["cv_rank"] = np.arange(1, len(board) + 1)
    board["is_selected"] = board["model_family"] == SELECTED
    return board


def _calibration(predictions: pd.DataFrame) -> pd.DataFrame:
    frame = predictions.assign(bin=np.minimum((predictions["oof_probability"] * 10).astype(int), 9))
    return (
        frame.groupby(["model_family", "bin"])
        .agg(
            mean_predicted=("oof_probability", "mean"),
            observed_rate=("activity_declined", "mean"),
            customers=("customer_id", "size"),
        )
        .reset_index()
    )


def _shap(rng: np.random.Generator, customers: pd.DataFrame) -> pd.DataFrame:
    frames = []
    for weight, feature in zip((0.9, 0.7, 0.5, 0.3, 0.25, 0.1), SHAP_FEATURES, strict=True):
        values = customers[feature]
        # a category's value is its code (its place in alphabetical order), its label the word
        numbers = (values == "стандарт").astype(float) if feature == "service_tier" else values
        z = (numbers - numbers.mean()) / (numbers.std() or 1)
        frames.append(
            pd.DataFrame(
                {
                    "customer_id": customers["customer_id"],
                    "feature": feature,
                    "feature_value": numbers.astype(float),
                    "feature_label": values.astype(str),
                    "shap_value": (weight * z + rng.normal(0, 0.05, len(customers))) / 10,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _importance(shap: pd.DataFrame) -> pd.DataFrame:
    frame = (
        shap.assign(abs_shap=shap["shap_value"].abs())
        .groupby("feature", as_index=False)["abs_shap"]
        .mean()
        .rename(columns={"abs_shap": "mean_abs_shap"})
        .sort_values("mean_abs_shap", ascending=False)
    )
    frame["shap_rank"] = np.arange(1, len(frame) + 1)
    frame["permutation_importance_mean"] = frame["mean_abs_shap"] / 10
    frame["permutation_importance_std"] = frame["mean_abs_shap"] / 40
    frame["permutation_rank"] = frame["shap_rank"]
    return frame


def _scores(predictions: pd.DataFrame) -> pd.DataFrame:
    chosen = predictions[predictions["model_family"] == SELECTED]
    probability = chosen["oof_probability"].to_numpy()
    return pd.DataFrame(
        {
            "customer_id": chosen["customer_id"].to_numpy(),
            "decline_probability": probability,
            "risk_band": np.select(
                [probability >= 0.6, probability >= 0.3], ["high", "medium"], "low"
            ),
            "top_reason_1": "pages_per_visit",
            "top_reason_2": "promo_purchase_share",
            "top_reason_3": "minutes_current_month",
            "model_family": SELECTED,
        }
    )


def _scored(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """customer_risk of the project: features, scores, profit level, profit at risk."""
    scored = con.sql(
        """
        select f.*, s.decline_probability, s.risk_band, s.top_reason_1, s.top_reason_2,
            s.top_reason_3
        from customers.customer_features as f inner join ml.customer_scores as s using (customer_id)
        order by customer_id
        """
    ).df()
    low, high = scored["profit"].quantile([0.25, 0.75])
    scored["profit_level"] = np.select(
        [scored["profit"] >= high, scored["profit"] <= low], ["high", "low"], "medium"
    )
    scored["profit_at_risk"] = 3 * scored["decline_probability"] * scored["profit"]
    scored["matrix_cell"] = scored["risk_band"] + "_risk_" + scored["profit_level"] + "_profit"
    return scored


def _marketing(con: duckdb.DuckDBPyConnection, scored: pd.DataFrame) -> dict[str, pd.DataFrame]:
    members = {
        ("targeted", s): set(con.sql(f"select customer_id from segments.{s}").df()["customer_id"])
        for s in SEGMENTS
    }
    for cell, rows in scored.groupby("matrix_cell"):
        members[("risk_profit_matrix", cell)] = set(rows["customer_id"])
    total_at_risk = scored["profit_at_risk"].sum()
    summary, profiles, recommendations = [], [], []
    features = ["profit", "promo_purchase_share", "pages_per_visit", "tenure_days"]
    for (family, name), ids in members.items():
        inside = scored["customer_id"].isin(ids)
        part = scored[inside]
        at_risk = part["profit_at_risk"].sum()
        summary.append(
            {
                "segment_family": family,
                "segment_name": name,
                "customers": len(part),
                "customer_share": len(part) / len(scored),
                "mean_decline_probability": part["decline_probability"].mean(),
                "monthly_profit": part["profit"].sum(),
                "profit_at_risk": at_risk,
                "profit_at_risk_share": at_risk / total_at_risk,
            }
        )
        for feature in features:
            values = scored[feature].astype(float)
            difference = values[inside].mean() - values[~inside].mean()
            significant = bool(abs(difference) > values.std() / 4)
            profiles.append(
                {
                    "segment_family": family,
                    "segment_name": name,
                    "feature": feature,
                    "segment_customers": int(inside.sum()),
                    "rest_customers": int((~inside).sum()),
                    "segment_mean": values[inside].mean(),
                    "rest_mean": values[~inside].mean(),
                    "segment_median": values[inside].median(),
                    "rest_median": values[~inside].median(),
                    "mean_difference": difference,
                    "standardized_difference": difference / values.std(),
                    "p_value": 0.001 if significant else 0.3,
                    "p_value_adjusted": 0.01 if significant else 0.4,
                    "is_significant": significant,
                }
            )
        recommendations.append(
            {
                "segment_family": family,
                "segment_name": name,
                "customers": len(part),
                "profit_at_risk": at_risk,
                "lever_1": "promo_purchase_share",
                "lever_2": None,
                "recommendation": f"Offer {name} a loyalty programme.",
            }
        )
    recommendations[0]["recommendation"] = f"Write to them {INJECTED} soon."
    targets = scored.sort_values(["profit_at_risk", "customer_id"], ascending=[False, True])
    targets = targets.assign(
        priority_rank=np.arange(1, len(targets) + 1),
        cumulative_profit_at_risk=targets["profit_at_risk"].cumsum(),
        segments=[
            ", ".join(s for s in SEGMENTS if c in members[("targeted", s)])
            for c in targets["customer_id"]
        ],
    )
    return {
        "marketing.segment_summary": pd.DataFrame(summary),
        "marketing.segment_profiles": pd.DataFrame(profiles),
        "marketing.segment_recommendations": pd.DataFrame(recommendations),
        "marketing.retention_targets": targets,
    }


def _insert(con: duckdb.DuckDBPyConnection, relation: str, frame: pd.DataFrame) -> None:
    columns = [c.split()[0] for c in SCHEMA[relation].replace("\n", " ").split(",")]
    names = [c.strip().strip('"') for c in columns]
    con.register("incoming", frame[[n for n in names if n in frame.columns]])
    con.execute(f"insert into {relation} by name select * from incoming")
    con.unregister("incoming")


def build_report_warehouse(path: Path, seed: int = 0, customers: int = CUSTOMERS) -> Path:
    """Create the synthetic warehouse at `path` (a new .duckdb file) and return the path."""
    rng = np.random.default_rng(seed)
    con = duckdb.connect(str(path))
    try:
        for schema in sorted({r.split(".")[0] for r in [*SCHEMA, *VIEWS]}):
            con.execute(f"create schema if not exists {schema}")
        for relation, columns in SCHEMA.items():
            con.execute(f"create table {relation} ({columns})")
        customers = _customers(rng, customers)
        ids = customers["customer_id"]
        periods = ("текущий_месяц", "предыдущий_месяц", "препредыдущий_месяц")
        _insert(con, "raw.market_file", pd.DataFrame({"id": ids}))
        _insert(
            con,
            "raw.market_money",
            pd.DataFrame({"id": np.repeat(ids, 3), "Период": periods * len(ids)}),
        )
        _insert(
            con,
            "raw.market_time",
            pd.DataFrame({"id": np.repeat(ids, 2), "Период": periods[:2] * len(ids)}),
        )
        _insert(con, "raw.money", pd.DataFrame({"id": ids, "Прибыль": "4,16"}))
        _insert(
            con,
            "quality.data_defects",
            pd.DataFrame(
                {
                    "file_name": ["market_file.csv", "market_file.csv", "market_money.csv"],
                    "column_name": [None, "Популярная_категория", "Выручка"],
                    "defect": ["customers delivered", "misspelt value", "impossible value"],
                    "delivered_value": [None, "Косметика и аксесуары", INJECTED],
                    "rows_affected": [len(ids), 12, 1],
                    "customers_affected": [len(ids), 12, 1],
                    "handling": ["loaded as seed", "corrected in staging", "imputed"],
                }
            ),
        )
        _insert(con, "customers.customer_features", customers)
        predictions = _predictions(rng, customers)
        _insert(con, "ml.candidate_predictions", predictions)
        _insert(con, "ml.model_leaderboard", _leaderboard(predictions))
        _insert(con, "ml.model_calibration", _calibration(predictions))
        shap = _shap(rng, customers)
        _insert(con, "ml.customer_shap_values", shap)
        _insert(con, "ml.feature_importance", _importance(shap))
        _insert(con, "ml.customer_scores", _scores(predictions))
        scored = _scored(con)
        _insert(con, "segments.risk_profit_matrix", scored)
        for relation, sql in VIEWS.items():
            con.execute(f"create view {relation} as {sql}")
        for relation, frame in _marketing(con, scored).items():
            _insert(con, relation, frame)
    finally:
        con.close()
    return path


# ---------------------------------------------------------------------------------------------
# the synthetic warehouse itself


def test_synthetic_warehouse_has_everything_the_report_reads(tmp_path):
    path = build_report_warehouse(tmp_path / "synthetic.duckdb")
    with duckdb.connect(str(path), read_only=True) as con:
        assert missing_in(con) == []
        for relation in REQUIRED:
            assert con.execute(f"select count(*) from {relation}").fetchone()[0] > 0, relation


def test_synthetic_warehouse_is_the_same_every_build(tmp_path):
    frames = []
    for name in ("a.duckdb", "b.duckdb"):
        with duckdb.connect(str(build_report_warehouse(tmp_path / name)), read_only=True) as con:
            frames.append(con.sql("select * from ml.customer_shap_values order by all").df())
    pd.testing.assert_frame_equal(*frames)


def test_every_relation_a_query_reads_is_checked_first():
    read = {relation for query in QUERIES.values() for relation in query.relations}
    assert read <= set(REQUIRED)

"""A small synthetic warehouse for the report's tests: the `reporting` views the report reads,
as tables of a few dozen made-up customers (seeded, so every build is the same).

Which relations exist, with which columns and types, comes from the contracts in
models/reporting/_reporting__models.yml, the one place the report's inputs are declared; this
module only makes up their rows. One text value in rpt_data_defects and one in
rpt_segment_recommendations carry INJECTED, which the report must print escaped.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import yaml
from sklearn.metrics import brier_score_loss, roc_auc_score

from one_click.project import project_dir, setting
from one_click.report.data import MODELS_FILE, PREFIX, SCHEMA, relation_name

INJECTED = "<script>alert('injected')</script>"
MONTH, PREVIOUS_MONTH = "2026-11", "2026-10"
FAMILIES = ("logistic_regression", "soft_voting", "knn")
SELECTED = "logistic_regression"
CUSTOMERS = 80
SHAP_FEATURES = (
    "pages_per_visit",
    "promo_purchase_share",
    "minutes_current_month",
    "service_tier",
    "unpaid_items_quarter",
    "tenure_days",
)


def contracts() -> dict[str, list[tuple[str, str]]]:
    """Frame name -> [(column, data type)] of every reporting view, from its contract."""
    models = yaml.safe_load((project_dir() / MODELS_FILE).read_text(encoding="utf-8"))["models"]
    return {
        m["name"].removeprefix(PREFIX): [(c["name"], c["data_type"]) for c in m["columns"]]
        for m in models
    }


def _customers(rng: np.random.Generator, n: int) -> pd.DataFrame:
    vocabulary = setting("shop_vocabulary")
    tiers, categories = list(vocabulary["service_tiers"]), list(vocabulary["categories"])
    declined = rng.random(n) < 0.4
    shift = declined.astype(float)
    revenue = rng.normal(5000, 700, (n, 3)).clip(100)
    minutes = rng.integers(6, 24, (n, 2)) - (shift[:, None] * 3).astype(int)
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(215_000, 215_000 + n),
            "activity_declined": declined,
            "service_tier": np.where(rng.random(n) < 0.3, tiers[0], tiers[1]),
            "allow_offers": rng.random(n) < 0.7,
            "favourite_category": rng.choice(categories, n),
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
    tiers = list(setting("shop_vocabulary")["service_tiers"])
    for weight, feature in zip((0.9, 0.7, 0.5, 0.3, 0.25, 0.1), SHAP_FEATURES, strict=True):
        values = customers[feature]
        # a category's value is its code (its place in alphabetical order), its label the word
        numbers = (values == tiers[1]).astype(float) if feature == "service_tier" else values
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


def _scored(customers: pd.DataFrame, predictions: pd.DataFrame) -> pd.DataFrame:
    """Features with the selected family's scores, profit level, profit at risk and cell."""
    chosen = predictions[predictions["model_family"] == SELECTED]
    probability = chosen["oof_probability"].to_numpy()
    scored = customers.copy()
    scored["decline_probability"] = probability
    scored["risk_band"] = np.select(
        [probability >= 0.6, probability >= 0.3], ["high", "medium"], "low"
    )
    scored["top_reason_1"] = "pages_per_visit"
    scored["top_reason_2"] = "promo_purchase_share"
    scored["top_reason_3"] = "minutes_current_month"
    scored["model_family"] = SELECTED
    low, high = scored["profit"].quantile([0.25, 0.75])
    scored["profit_level"] = np.select(
        [scored["profit"] >= high, scored["profit"] <= low], ["high", "low"], "medium"
    )
    scored["profit_at_risk"] = 3 * scored["decline_probability"] * scored["profit"]
    scored["matrix_cell"] = scored["risk_band"] + "_risk_" + scored["profit_level"] + "_profit"
    return scored


def _histogram(scored: pd.DataFrame) -> pd.DataFrame:
    bins = np.minimum((scored["decline_probability"] * 40).astype(int), 39)
    frame = (
        scored.assign(probability_bin=bins)
        .groupby(["risk_band", "probability_bin"])
        .size()
        .rename("customers")
        .reset_index()
    )
    frame["bin_lower"] = frame["probability_bin"] / 40
    frame["bin_upper"] = (frame["probability_bin"] + 1) / 40
    return frame


def _segments(scored: pd.DataFrame) -> dict[tuple[str, str], set]:
    segments = {
        ("targeted", "high_risk_high_profit"): scored.query(
            "risk_band == 'high' and profit_level == 'high'"
        ),
        ("targeted", "promo_dependent_at_risk"): scored.query(
            "risk_band == 'high' and promo_purchase_share >= 0.5"
        ),
        ("targeted", "long_lifecycle_buyers"): scored.query("tenure_days > 700"),
        ("targeted", "kids_and_self_care"): scored.query("service_errors > 3"),
    }
    members = {key: set(rows["customer_id"]) for key, rows in segments.items()}
    for cell, rows in scored.groupby("matrix_cell"):
        members[("risk_profit_matrix", cell)] = set(rows["customer_id"])
    return members


def _marketing(scored: pd.DataFrame) -> dict[str, pd.DataFrame]:
    members = _segments(scored)
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
                    "segment_mean": values[inside].mean(),
                    "rest_mean": values[~inside].mean(),
                    "segment_median": values[inside].median(),
                    "rest_median": values[~inside].median(),
                    "standardized_difference": difference / values.std(),
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
    targeted = [name for family, name in members if family == "targeted"]
    targets = scored.sort_values(["profit_at_risk", "customer_id"], ascending=[False, True])
    targets = targets.assign(
        priority_rank=np.arange(1, len(targets) + 1),
        cumulative_profit_at_risk=targets["profit_at_risk"].cumsum(),
        segments=[
            ", ".join(s for s in targeted if c in members[("targeted", s)])
            for c in targets["customer_id"]
        ],
    )
    summary_frame = pd.DataFrame(summary).sort_values(
        ["segment_family", "profit_at_risk", "segment_name"], ascending=[False, False, True]
    )
    return {
        "segment_sizes": pd.DataFrame(
            {
                "segment_name": targeted,
                "customers": [len(members[("targeted", s)]) for s in targeted],
            }
        ),
        "segment_summary": summary_frame,
        "segment_profiles": pd.DataFrame(profiles),
        "segment_recommendations": pd.DataFrame(recommendations),
        "retention_targets": targets.head(setting("report_targets_shown")),
        "retention_curve": targets[["priority_rank", "cumulative_profit_at_risk"]],
    }


def _monthly(rng: np.random.Generator, scored: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Drift of every feature (one beyond the threshold) and a made-up month before."""
    features = list(SHAP_FEATURES)
    psi = np.sort(rng.uniform(0, 0.15, len(features)))[::-1]
    psi[0] = 0.31
    drift = pd.DataFrame(
        {
            "feature": features,
            "feature_kind": "numeric",
            "psi": psi,
            "drifted": psi > 0.2,
            "psi_threshold": 0.2,
            "customers": len(scored),
            "training_customers": len(scored),
        }
    )
    bands = ["high", "medium", "low"]
    before = pd.Series(rng.choice(bands, len(scored)), index=scored["customer_id"])
    now = scored.set_index("customer_id")["risk_band"]
    movement = pd.DataFrame(
        {
            "score_month": MONTH,
            "previous_month": PREVIOUS_MONTH,
            "risk_band": bands,
            "customers_now": [int((now == b).sum()) for b in bands],
            "customers_before": [int((before == b).sum()) for b in bands],
            "entered": [int(((now == b) & (before != b)).sum()) for b in bands],
            "left_band": [int(((before == b) & (now != b)).sum()) for b in bands],
            "new_customers": 0,
            "gone_customers": 0,
        }
    )
    entered = scored[(now == "high").to_numpy() & (before != "high").to_numpy()]
    entered = entered.sort_values(["profit", "customer_id"], ascending=[False, True]).head(
        setting("report_entrants_shown")
    )
    entrants = pd.DataFrame(
        {
            "profit_rank": np.arange(1, len(entered) + 1),
            "customer_id": entered["customer_id"].to_numpy(),
            "previous_month": PREVIOUS_MONTH,
            "previous_risk_band": before.reindex(entered["customer_id"]).to_numpy(),
            "previous_decline_probability": rng.uniform(0, 0.6, len(entered)),
            "decline_probability": entered["decline_probability"].to_numpy(),
            "profit": entered["profit"].to_numpy(),
            "profit_at_risk": entered["profit_at_risk"].to_numpy(),
            "top_reason_1": "pages_per_visit",
            "top_reason_2": None,
            "top_reason_3": None,
        }
    )
    return {"feature_drift": drift, "band_movement": movement, "high_band_entrants": entrants}


def frames(seed: int = 0, customers: int = CUSTOMERS) -> dict[str, pd.DataFrame]:
    """Every reporting view's rows, made up."""
    rng = np.random.default_rng(seed)
    features = _customers(rng, customers)
    predictions = _predictions(rng, features)
    shap = _shap(rng, features)
    scored = _scored(features, predictions)
    board = _leaderboard(predictions)
    selected = board[board["is_selected"]].iloc[0]
    high = scored[scored["risk_band"] == "high"]
    summary = {
        "selected_model": selected["model_family"],
        "selected_oof_roc_auc": selected["oof_roc_auc"],
        "selected_cv_roc_auc_mean": selected["cv_roc_auc_mean"],
        "selected_cv_roc_auc_std": selected["cv_roc_auc_std"],
        "selected_holdout_roc_auc": selected["holdout_roc_auc"],
        "customers": len(scored),
        "declined_share": scored["activity_declined"].mean(),
        "monthly_profit": scored["profit"].sum(),
        "profit_at_risk": scored["profit_at_risk"].sum(),
        "high_risk_customers": len(high),
        "high_risk_monthly_profit": high["profit"].sum(),
        "high_risk_profit_at_risk": high["profit_at_risk"].sum(),
        "score_month": MONTH,
        "model_version": "0123456789ab",
        "model_training_month": PREVIOUS_MONTH,
        "model_trained_in_this_build": False,
        "drifted_features": 1,
        "max_psi": 0.31,
        "high_risk_band": "high",
        "risk_band_high": 0.6,
        "profit_at_risk_months": 3,
    }
    n = len(features)
    layer_counts = pd.DataFrame(
        {
            "layer": ["raw"] * 4 + ["staging"] * 4 + ["mart"],
            "relation": [
                "raw.market_file",
                "raw.market_money",
                "raw.market_time",
                "raw.money",
                "staging.stg_shop__customers",
                "staging.stg_shop__revenue",
                "staging.stg_shop__site_minutes",
                "staging.stg_shop__profit",
                "customers.customer_features",
            ],
            "row_count": [n, 3 * n, 2 * n, n, n, 3 * n, 2 * n, n, n],
        }
    )
    defects = pd.DataFrame(
        {
            "file_name": ["market_file.csv", "market_file.csv", "market_money.csv"],
            "column_name": [None, "Популярная_категория", "Выручка"],
            "defect": ["customers delivered", "misspelt value", "impossible value"],
            "delivered_value": [None, "a misspelt category", INJECTED],
            "rows_affected": [n, 12, 1],
            "customers_affected": [n, 12, 1],
            "handling": ["loaded as seed", "corrected in staging", "imputed"],
        }
    )
    bands = (
        scored.groupby("risk_band")["decline_probability"]
        .agg(customers="size", min_probability="min", max_probability="max")
        .reset_index()
        .sort_values("min_probability")
    )
    matrix = (
        scored.groupby(["risk_band", "profit_level"])
        .agg(customers=("customer_id", "size"), profit_at_risk=("profit_at_risk", "sum"))
        .reset_index()
    )
    return {
        "summary": pd.DataFrame([summary]),
        "data_defects": defects,
        "layer_counts": layer_counts,
        "customer_features": features,
        "model_leaderboard": board,
        "candidate_predictions": predictions,
        "model_calibration": _calibration(predictions),
        "feature_importance": _importance(shap),
        "shap_values": shap.sort_values(["feature", "customer_id"]),
        "probability_histogram": _histogram(scored),
        "risk_bands": bands,
        "risk_profit_matrix": matrix,
        **_marketing(scored),
        **_monthly(rng, scored),
    }


def build_report_warehouse(path: Path, seed: int = 0, customers: int = CUSTOMERS) -> Path:
    """Create the synthetic warehouse at `path` (a new .duckdb file) and return the path."""
    made_up = frames(seed, customers)
    con = duckdb.connect(str(path))
    try:
        con.execute(f"create schema {SCHEMA}")
        for frame_name, columns in contracts().items():
            declared = ", ".join(f'"{name}" {data_type}' for name, data_type in columns)
            relation = relation_name(frame_name)
            con.execute(f"create table {relation} ({declared})")
            con.register("incoming", made_up[frame_name][[name for name, _ in columns]])
            con.execute(f"insert into {relation} by name select * from incoming")
            con.unregister("incoming")
    finally:
        con.close()
    return path

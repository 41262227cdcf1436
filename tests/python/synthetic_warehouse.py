"""A small synthetic warehouse for the report's tests: the `reporting` views the report reads,
as tables of a few dozen made-up customers (seeded, so every build is the same).

Which relations exist, with which columns and types, comes from the contracts in
models/reporting/_reporting__models.yml, the one place the report's inputs are declared; this
module only makes up their rows, shaped as the real views shape theirs: the contact list holds
only customers who allow offers (the at-risk others are the site's targets), the reasons are
codes of one_click/labels.yml with their words, the recommendations are written from
one_click/messages/recommendations.yml, the defects are of the kinds quality.data_defects has.
Text the report prints as it is carries INJECTED once in rpt_data_defects.delivered_value and
once in rpt_segment_recommendations.recommendation_ru and recommendation_en (its first row): the
report must print it escaped.

The empty months a report must still render are VARIANTS of the same customers: nobody allows
offers ("no_consent": the contact list is empty, the site list is not), nobody is at risk
("no_risk": both lists are empty), or a targeted segment holds nobody ("empty_segment").

Every month holds back a control group from its contact list (rpt_campaign_design). With
`outcomes` (the default) the outcome of an earlier campaign and of an earlier month's scores has
arrived (rpt_campaign_results: the whole campaign, informative, and two actions, one not;
rpt_realized_performance below the quality bar, with its calibration); without, none has.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import yaml
from sklearn.metrics import brier_score_loss, roc_auc_score

from one_click.i18n import REPORT_LANGUAGES, Translator
from one_click.marketing.recommendations import capitalize_first
from one_click.ml.plain_reasons import SEPARATOR, reason_words
from one_click.project import project_dir, risk_bands, setting
from one_click.report.data import MODELS_FILE, PREFIX, SCHEMA, relation_name

INJECTED = "<script>alert('injected')</script>"
MONTH, PREVIOUS_MONTH = "2026-11", "2026-10"
FAMILIES = ("logistic_regression", "soft_voting", "knn")
SELECTED = "logistic_regression"
CUSTOMERS = 80
VARIANTS = ("no_consent", "no_risk", "empty_segment")
EMPTY_SEGMENT = "kids_goods_at_risk"  # the segment the variant "empty_segment" leaves empty
SHAP_FEATURES = (
    "pages_per_visit",
    "promo_purchase_share",
    "minutes_current_month",
    "service_tier",
    "unpaid_items_quarter",
    "tenure_days",
)
# seconds to score 1,000 customers, per family
SCORING_SECONDS = {"logistic_regression": 0.04, "soft_voting": 0.61, "knn": 1.87}
# the reasons a synthetic customer may have: reason -> the feature its direction is read from
REASONS = {
    "site_time": "minutes_2m_total",
    "pages": "pages_per_visit",
    "promotions": "promo_purchase_share",
    "unpaid_cart": "unpaid_items_quarter",
    "tenure": "tenure_days",
}
# the levers the synthetic recommendations pick from: feature -> its risky direction
LEVERS = {"promo_purchase_share": "up", "pages_per_visit": "down"}


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
                # the selection ran on every customer (fewer than var model_sample_size)
                "sample_customers": len(group),
                "all_customers": len(group),
                "scoring_seconds_per_1000": SCORING_SECONDS[family],
                "fits_scoring_budget": SCORING_SECONDS[family] * len(group) / 1000
                <= setting("scoring_budget_seconds"),
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
    frame["permutation_note"] = None  # the labels could measure it
    return frame


def _reasons(scored: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Each customer's three top reasons as codes (one_click.ml.plain_reasons: `site_time_low`,
    `category`) and in words in every language, joined as marketing.customer_reasons joins
    them."""
    codes = []
    for _, customer in scored.iterrows():
        candidates = [
            f"{reason}_{'low' if customer[feature] < scored[feature].median() else 'high'}"
            for reason, feature in REASONS.items()
        ]
        # three different reasons; a category reason names the customer's value
        codes.append(list(rng.choice([*candidates, "category"], 3, replace=False)))
    frame = pd.DataFrame(codes, columns=["top_reason_1", "top_reason_2", "top_reason_3"])
    for language in (lg.code for lg in REPORT_LANGUAGES):
        frame[f"reasons_{language}"] = [
            SEPARATOR.join(reason_words(code, language, category) for code in row)
            for row, category in zip(codes, scored["favourite_category"], strict=True)
        ]
    frame.index = scored.index
    return frame


def _scored(
    rng: np.random.Generator,
    customers: pd.DataFrame,
    predictions: pd.DataFrame,
    variant: str | None = None,
) -> pd.DataFrame:
    """Features with the selected family's scores, risk band, profit level, profit at risk, top
    reasons and cell (marketing.customer_risk)."""
    chosen = predictions[predictions["model_family"] == SELECTED]
    probability = chosen["oof_probability"].to_numpy()
    bands = risk_bands()
    if variant == "no_risk":  # every probability below the lowest band at risk
        probability = probability * 0.99 * min(bands[b] for b in setting("at_risk_bands"))
    names, lowest = list(bands), list(bands.values())
    scored = customers.copy()
    scored["decline_probability"] = probability
    scored["risk_band"] = np.select(
        [probability >= cut for cut in lowest[:-1]], names[:-1], names[-1]
    )
    scored["model_family"] = SELECTED
    low, high = scored["profit"].quantile(
        [setting("low_profit_quantile"), setting("high_profit_quantile")]
    )
    scored["profit_level"] = np.select(
        [scored["profit"] >= high, scored["profit"] <= low], ["high", "low"], "medium"
    )
    months = setting("profit_at_risk_months")
    scored["profit_at_risk"] = months * scored["decline_probability"] * scored["profit"]
    scored["matrix_cell"] = scored["risk_band"] + "_risk_" + scored["profit_level"] + "_profit"
    scored["at_risk"] = scored["risk_band"].isin(setting("at_risk_bands"))
    return pd.concat([scored, _reasons(scored, rng)], axis=1)


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


def _segments(scored: pd.DataFrame, variant: str | None = None) -> dict[tuple[str, str], set]:
    """(family, name) -> its customers: the targeted segments (var targeted_segments, in its
    order) and the cells of the risk x profit grid."""
    groups = scored["favourite_category"].map(
        {
            category: entry.get("group") if isinstance(entry, dict) else entry
            for category, entry in setting("shop_vocabulary")["categories"].items()
        }
    )
    at_risk = scored["at_risk"]
    rules = {
        "high_risk_high_profit": (scored["risk_band"] == "high")
        & (scored["profit_level"] == "high"),
        "promo_dependent_at_risk": at_risk
        & (scored["promo_purchase_share"] >= setting("promo_dependent_share")),
        "long_lifecycle_buyers": groups == "long_lifecycle",
        "kids_goods_at_risk": at_risk & (groups == "kids"),
        "self_care_at_risk": at_risk & (groups == "self_care"),
    }
    assert list(rules) == list(setting("targeted_segments")), "var targeted_segments changed"
    if variant == "empty_segment":
        rules[EMPTY_SEGMENT] = pd.Series(False, index=scored.index)
    members = {
        ("targeted", name): set(scored.loc[rule, "customer_id"]) for name, rule in rules.items()
    }
    for cell, rows in scored.groupby("matrix_cell"):
        members[("risk_profit_matrix", cell)] = set(rows["customer_id"])
    return members


def _value(tr: Translator, feature: str, number: float) -> str:
    return tr.number(number, "percent0" if feature == "promo_purchase_share" else "number")


def _recommendation(
    tr: Translator, name: str, levers: list[dict], targets: dict
) -> tuple[str, str]:
    """A made-up headline and recommendation of a segment in tr's language, from its name and
    its levers' labels only (the report prints both as they are): each segment's headline is
    its own."""
    segment = tr.segment(name)
    if not targets["customers"]:
        return capitalize_first(segment), f"{capitalize_first(segment)}."
    features = ", ".join(tr.feature(lever["feature"]) for lever in levers)
    headline = capitalize_first(f"{segment}: {features}" if features else segment)
    details = "; ".join(
        f"{tr.feature(lever['feature'])}: {_value(tr, lever['feature'], lever['segment_mean'])}"
        f" / {_value(tr, lever['feature'], lever['rest_mean'])}"
        for lever in levers
    )
    return headline, f"{headline}. {details}." if details else f"{headline}."


# the made-up next best actions of the listed customers: code -> its words
ACTIONS = {
    "loyalty_bonus": {"ru": "личные бонусы вместо скидок", "en": "personal bonuses, not discounts"},
    "basket_reminder": {"ru": "напоминание о корзине", "en": "a basket reminder"},
}


def _listed_words(listed: pd.DataFrame, targeted: list[str]) -> pd.DataFrame:
    """The words of the lists' customers in every language: an action (alternating), the reason
    it answers (the first reason), the context (the favourite category) and the segments."""
    codes = np.where(np.arange(len(listed)) % 3 == 2, *ACTIONS)
    columns: dict = {"action_code": codes, "action_reason_code": listed["top_reason_1"].to_numpy()}
    for tr in (Translator(language) for language in REPORT_LANGUAGES):
        code = tr.code
        columns[f"action_{code}"] = [ACTIONS[c][code] for c in codes]
        columns[f"action_reason_{code}"] = [
            str(words).split(SEPARATOR)[0] for words in listed[f"reasons_{code}"]
        ]
        columns[f"context_{code}"] = [
            tr.value("favourite_category", c) for c in listed["favourite_category"]
        ]
        columns[f"segments_{code}"] = [
            ", ".join(tr.segment(s) for s in str(names).split(", ") if s)
            for names in listed["segments"]
        ]
    return pd.DataFrame(columns, index=listed.index)


def _targets(
    scored: pd.DataFrame, condition: pd.Series, targeted: list[str], members
) -> pd.DataFrame:
    """The customers meeting `condition` ranked by profit at risk, with the running total and
    their targeted segments, rounded as macro ranked_targets rounds them."""
    listed = scored[condition].sort_values(
        ["profit_at_risk", "customer_id"], ascending=[False, True]
    )
    listed = listed.assign(
        priority_rank=np.arange(1, len(listed) + 1),
        cumulative_profit_at_risk=listed["profit_at_risk"].cumsum().round(2),
        decline_probability=listed["decline_probability"].round(3),
        profit=listed["profit"].round(2),
        profit_at_risk=listed["profit_at_risk"].round(2),
        segments=[
            ", ".join(sorted(s for s in targeted if c in members[("targeted", s)]))
            for c in listed["customer_id"]
        ],
    )
    return pd.concat([listed, _listed_words(listed, targeted)], axis=1)


def _marketing(scored: pd.DataFrame, variant: str | None = None) -> dict[str, pd.DataFrame]:
    members = _segments(scored, variant)
    total_at_risk = scored["profit_at_risk"].sum()
    share = setting("lever_success_share")
    ends = _assumption_range()
    translators = [Translator(language) for language in REPORT_LANGUAGES]
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
        levers = []
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
            direction = "up" if difference > 0 else "down"
            if significant and LEVERS.get(feature) == direction:
                levers.append(
                    {
                        "feature": feature,
                        "direction": direction,
                        "segment_mean": values[inside].mean(),
                        "rest_mean": values[~inside].mean(),
                        "size": abs(difference) / values.std(),
                    }
                )
        levers.sort(key=lambda lever: -lever["size"])
        targets = part[part["at_risk"]]
        kept = share * targets["profit_at_risk"].sum()
        numbers = {
            "customers": len(targets),
            "consenting": int(targets["allow_offers"].sum()),
            "kept": kept,
        }
        names = [lever["feature"] for lever in levers] + [None, None]
        row = {
            "segment_family": family,
            "segment_name": name,
            "customers": len(part),
            "profit_at_risk": round(at_risk, 2),
            "lever_1": names[0],
            "lever_2": names[1],
            "targeted_customers": len(targets),
            "targeted_with_consent": numbers["consenting"],
            "targeted_profit_at_risk": round(targets["profit_at_risk"].sum(), 2),
            "expected_profit_kept_low": round(kept * ends["lever_success_share_low"] / share, 2),
            "expected_profit_kept": round(kept, 2),
            "expected_profit_kept_high": round(kept * ends["lever_success_share_high"] / share, 2),
            "profit_kept_basis": "assumed",
        }
        for tr in translators:
            headline, text = _recommendation(tr, name, levers, numbers)
            row[f"headline_{tr.code}"] = headline
            row[f"recommendation_{tr.code}"] = text
        recommendations.append(row)
    # as rpt_segment_recommendations orders them: targeted first, the most profit kept first
    recommendations = pd.DataFrame(recommendations).sort_values(
        ["segment_family", "expected_profit_kept", "profit_at_risk", "segment_name"],
        ascending=[False, False, False, True],
        ignore_index=True,
    )
    for tr in translators:
        column = f"recommendation_{tr.code}"
        recommendations.loc[0, column] = f"{INJECTED} {recommendations.loc[0, column]}"

    targeted = [name for family, name in members if family == "targeted"]
    # marketing.retention_targets: every customer who allows offers; the contact list: those
    # of them at risk; the site's targets: the customers at risk who do not allow offers
    contact = _targets(scored, scored["allow_offers"], targeted, members)
    site = _targets(scored, ~scored["allow_offers"] & scored["at_risk"], targeted, members)
    shown = setting("report_targets_shown")
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
        "segment_recommendations": recommendations,
        "retention_targets": contact.head(shown),
        "retention_curve": contact[["priority_rank", "cumulative_profit_at_risk"]],
        "contact_list": contact[contact["at_risk"]],
        "site_personalisation_targets": site.head(shown),
    }


def _defects(n: int) -> pd.DataFrame:
    """quality.data_defects of the synthetic delivery, of the kinds the real one has, ordered as
    rpt_data_defects orders them."""
    corrections = setting("shop_vocabulary")["corrections"]
    [misspelt_category] = corrections["Популярная_категория"]
    [misspelt_tier] = corrections["Тип сервиса"]
    corrected = "corrected by macro shop_value_corrections() in staging"
    rows = [
        ("market_file.csv", None, "none: customers delivered", None, n + 3, n + 3,
         "loaded as seed raw.market_file"),
        ("market_file.csv", "Популярная_категория", "misspelt value", misspelt_category, 12, 12,
         corrected),
        ("market_file.csv", "Тип сервиса", "misspelt value", misspelt_tier, 2, 2, corrected),
        ("market_money.csv", "Выручка", "customer not active in every month", None, 9, 3,
         "customer left out of customer_features (int_customers_active_all_periods)"),
        ("market_money.csv", "Выручка", "impossible value", INJECTED, 1, 1,
         "imputed from the customer's own plausible months in stg_shop__revenue"),
    ]  # fmt: skip
    columns = [
        "file_name",
        "column_name",
        "defect",
        "delivered_value",
        "rows_affected",
        "customers_affected",
        "handling",
    ]
    return pd.DataFrame(rows, columns=columns)


def _monthly(rng: np.random.Generator, scored: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Drift of every feature (one beyond the threshold) and a made-up month before."""
    features = list(SHAP_FEATURES)
    psi = np.sort(rng.uniform(0, 0.15, len(features)))[::-1]
    psi[0] = 0.31  # above var drift_psi_threshold
    drift = pd.DataFrame(
        {
            "feature": features,
            "feature_kind": "numeric",
            "psi": psi,
            "drifted": psi > float(setting("drift_psi_threshold")),
            "psi_threshold": float(setting("drift_psi_threshold")),
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
            "top_reason_1": "pages_low",
            "top_reason_2": None,
            "top_reason_3": None,
            "reasons_ru": reason_words("pages_low", "ru"),
            "reasons_en": reason_words("pages_low", "en"),
        }
    )
    return {"feature_drift": drift, "band_movement": movement, "high_band_entrants": entrants}


def _quality(scored: pd.DataFrame) -> pd.DataFrame:
    """rpt_model_quality: every synthetic customer is scored out of fold."""
    declined = scored["activity_declined"].astype(bool)
    high = scored["risk_band"] == next(iter(risk_bands()))
    # the synthetic contact list is every at-risk customer allowing offers (its control group is
    # only counted, in rpt_campaign_design)
    listed = scored["at_risk"] & scored["allow_offers"]
    site = scored["at_risk"] & ~scored["allow_offers"]
    counts = {
        "out_of_fold_customers": len(scored),
        "high_band_customers": int(high.sum()),
        "high_band_declined": int((high & declined).sum()),
        "declined_customers": int(declined.sum()),
        "declined_at_risk": int((declined & scored["at_risk"]).sum()),
        "declined_on_contact_list": int((declined & listed).sum()),
        "declined_in_control_group": 0,
        "declined_at_risk_without_consent": int((declined & site).sum()),
    }
    high_n, declined_n = counts["high_band_customers"], counts["declined_customers"]
    return pd.DataFrame(
        [
            {
                **counts,
                "high_band_declined_share": counts["high_band_declined"] / high_n
                if high_n
                else None,
                "declined_at_risk_share": counts["declined_at_risk"] / declined_n
                if declined_n
                else None,
                "declined_on_contact_list_share": counts["declined_on_contact_list"] / declined_n
                if declined_n
                else None,
                "declined_at_risk_without_consent_share": counts["declined_at_risk_without_consent"]
                / declined_n
                if declined_n
                else None,
            }
        ]
    )


def _assumption_range() -> dict[str, float]:
    """The range of the share an offer keeps (var lever_success_share_range where it is set)."""
    share = float(setting("lever_success_share"))
    try:
        ends = setting("lever_success_share_range")
    except KeyError:
        ends = {"low": share / 2, "high": share * 3 / 2}
    return {f"lever_success_share_{end}": float(ends[end]) for end in ("low", "high")}


def _targeted_totals(scored: pd.DataFrame, variant: str | None) -> dict[str, float]:
    """The at-risk customers of the targeted segments, each counted once."""
    members = _segments(scored, variant)
    ids = set().union(*(ids for (family, _), ids in members.items() if family == "targeted"))
    inside = scored[scored["customer_id"].isin(ids) & scored["at_risk"]]
    consenting = inside[inside["allow_offers"]]
    return {
        "targeted_segments_customers": len(inside),
        "targeted_segments_profit_at_risk": inside["profit_at_risk"].sum(),
        "targeted_segments_with_consent": len(consenting),
        "targeted_segments_reachable_profit_at_risk": consenting["profit_at_risk"].sum(),
    }


CAMPAIGN_MONTH = "2026-08"  # the earlier campaign whose final outcome arrives this month
EARLY_MONTH = "2026-10"  # the campaign whose early read arrives this month
# the earlier campaign's final read: group level, name, arms, decline rates, informative
CAMPAIGN_GROUPS = (
    ("all", "all", 300, 60, 0.30, 0.45, True),
    ("action", "loyalty_bonus", 200, 40, 0.28, 0.45, True),
    ("action", "cart_reminder", 100, 20, 0.34, 0.40, False),
    ("segment", "promo_dependent_at_risk", 120, 25, 0.31, 0.44, False),
)


def _campaigns(contact: pd.DataFrame, outcomes: bool) -> dict[str, pd.DataFrame]:
    """This month's campaign design (a control group of var holdout_share of the contact list)
    and, with `outcomes`, an earlier campaign's results and an earlier month's realized
    accuracy."""
    share = float(setting("holdout_share"))
    control = round(len(contact) * share)
    rate = float(contact["decline_probability"].mean()) if len(contact) else 0.0
    design = pd.DataFrame(
        [
            {
                "month": MONTH,
                "contacted_customers": len(contact) - control,
                "control_customers": control,
                "holdout_share": share,
                "expected_decline_rate": round(rate, 4),
                "minimal_detectable_effect": 0.2135,
            }
        ]
        if len(contact) and control
        else [],
        columns=[
            "month",
            "contacted_customers",
            "control_customers",
            "holdout_share",
            "expected_decline_rate",
            "minimal_detectable_effect",
        ],  # fmt: skip
    )
    results, performance, calibration = [], [], []
    if outcomes:
        for level, name, contacted, held, offered, kept_back, informative in CAMPAIGN_GROUPS:
            difference = offered - kept_back
            half = 0.1 if informative else 0.2
            base = 30.0 * contacted
            results.append(
                {
                    "campaign_month": CAMPAIGN_MONTH,
                    "outcome_month": MONTH,
                    "outcome_read": "final",
                    "outcome": "decline_rate",
                    "group_level": level,
                    "group_name": name,
                    "contacted_customers": contacted,
                    "control_customers": held,
                    "contacted_value": offered,
                    "control_value": kept_back,
                    "difference": round(difference, 4),
                    "difference_low": round(difference - half, 4),
                    "difference_high": round(difference + half, 4),
                    "interval_method": "newcombe_hybrid_score",
                    "minimal_detectable_effect": 0.12,
                    "is_informative": informative,
                    "success_share": round(-difference / kept_back, 4),
                    "success_share_low": round(-(difference + half) / kept_back, 4),
                    "success_share_high": round(-(difference - half) / kept_back, 4),
                    "profit_kept": round(-difference * base, 2),
                    "profit_kept_low": round(-(difference + half) * base, 2),
                    "profit_kept_high": round(-(difference - half) * base, 2),
                }
            )
        results.append(
            {
                **results[0],
                "campaign_month": EARLY_MONTH,
                "outcome_read": "early",
                "outcome": "mean_revenue",
                "contacted_value": 5012.5,
                "control_value": 4980.0,
                "difference": 32.5,
                "difference_low": -40.0,
                "difference_high": 105.0,
                "interval_method": "welch_normal",
                "is_informative": False,
                **dict.fromkeys(
                    [
                        "success_share",
                        "success_share_low",
                        "success_share_high",
                        "profit_kept",
                        "profit_kept_low",
                        "profit_kept_high",
                    ]  # fmt: skip
                ),
            }
        )
        bar = float(setting("min_selected_roc_auc"))
        performance.append(
            {
                "score_month": CAMPAIGN_MONTH,
                "outcome_month": MONTH,
                "scored_customers": 400,
                "matched_customers": 380,
                "declined_share": 0.38,
                "mean_decline_probability": 0.36,
                "roc_auc": round(bar - 0.03, 4),
                "high_band_customers": 90,
                "high_band_declined_share": 0.7,
                "min_roc_auc": bar,
                "below_quality_bar": True,
            }
        )
        for i, (low, high) in enumerate([(0.0, 0.2), (0.2, 0.5), (0.5, 1.0)], 1):
            calibration.append(
                {
                    "score_month": CAMPAIGN_MONTH,
                    "probability_bin": i,
                    "probability_from": low,
                    "probability_to": high,
                    "customers": 100 + 10 * i,
                    "mean_decline_probability": (low + high) / 2,
                    "declined_share": (low + high) / 2 + 0.02,
                }
            )
    columns = dict(contracts())
    return {
        "campaign_design": design,
        "campaign_results": pd.DataFrame(
            results, columns=[c for c, _ in columns["campaign_results"]]
        ),
        "realized_performance": pd.DataFrame(
            performance, columns=[c for c, _ in columns["realized_performance"]]
        ),
        "realized_calibration": pd.DataFrame(
            calibration, columns=[c for c, _ in columns["realized_calibration"]]
        ),
    }


def frames(
    seed: int = 0, customers: int = CUSTOMERS, variant: str | None = None, outcomes: bool = True
) -> dict[str, pd.DataFrame]:
    """Every reporting view's rows, made up; `variant` one of VARIANTS makes a month with empty
    lists; `outcomes` False a month before any earlier campaign's outcome arrived."""
    if variant is not None and variant not in VARIANTS:
        raise ValueError(f"variant {variant!r}: one of {', '.join(VARIANTS)}")
    rng = np.random.default_rng(seed)
    features = _customers(rng, customers)
    if variant == "no_consent":
        features["allow_offers"] = False
    predictions = _predictions(rng, features)
    shap = _shap(rng, features)
    scored = _scored(rng, features, predictions, variant)
    board = _leaderboard(predictions)
    selected = board[board["is_selected"]].iloc[0]
    high = scored[scored["risk_band"] == "high"]
    contact = scored[scored["at_risk"] & scored["allow_offers"]]
    site_only = scored[scored["at_risk"] & ~scored["allow_offers"]]
    summary = {
        "selected_model": selected["model_family"],
        "selected_oof_roc_auc": selected["oof_roc_auc"],
        # an interval around it, above the bar: the new model passed the quality gate
        "selected_oof_roc_auc_lower": selected["oof_roc_auc"] - 0.02,
        "selected_oof_roc_auc_upper": min(1.0, selected["oof_roc_auc"] + 0.02),
        "selected_cv_roc_auc_mean": selected["cv_roc_auc_mean"],
        "selected_cv_roc_auc_std": selected["cv_roc_auc_std"],
        "selected_holdout_roc_auc": selected["holdout_roc_auc"],
        "customers": len(scored),
        "declined_share": scored["activity_declined"].mean(),
        "monthly_profit": scored["profit"].sum(),
        "profit_at_risk": scored["profit_at_risk"].sum(),
        "high_risk_customers": len(high),
        "high_risk_profit_at_risk": high["profit_at_risk"].sum(),
        "contact_customers": len(contact),
        "contact_profit_at_risk": contact["profit_at_risk"].sum(),
        "site_only_customers": len(site_only),
        "site_only_profit_at_risk": site_only["profit_at_risk"].sum(),
        "score_month": MONTH,
        "model_version": "0123456789ab",
        "model_training_month": PREVIOUS_MONTH,
        "model_trained_in_this_build": False,
        "quality_gate_note": None,  # the new model passed the quality gate
        "drifted_features": 1,
        "max_psi": 0.31,
        "high_risk_band": "high",
        "top_risk_band_from": next(iter(risk_bands().values())),
        "profit_at_risk_months": setting("profit_at_risk_months"),
        "lever_success_share": float(setting("lever_success_share")),
        "min_selected_roc_auc": float(setting("min_selected_roc_auc")),
        **_assumption_range(),
        **_targeted_totals(scored, variant),
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
        "data_defects": _defects(n),
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
        "model_quality": _quality(scored),
        **_marketing(scored, variant),
        **_monthly(rng, scored),
        **_campaigns(contact, outcomes),
    }


def build_report_warehouse(
    path: Path,
    seed: int = 0,
    customers: int = CUSTOMERS,
    variant: str | None = None,
    outcomes: bool = True,
) -> Path:
    """Create the synthetic warehouse at `path` (a new .duckdb file) and return the path;
    `variant` (one of VARIANTS) makes an empty month, `outcomes` False one before any earlier
    campaign's outcome arrived."""
    made_up = frames(seed, customers, variant, outcomes)
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

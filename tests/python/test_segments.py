"""Segment profiles and recommendations on small frames."""

import numpy as np
import pandas as pd
import pytest

from one_click.marketing import LEVERS, PROFILE_FEATURES, profile_segments, recommend
from one_click.marketing.recommendations import (
    effect_directions,
    high_risk_reasons,
    score_levers,
)
from one_click.project import risk_bands

BANDS = list(risk_bands())  # the band names, riskiest first


def make_customers(n=60, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"customer_id": np.arange(1, n + 1)})
    for feature in PROFILE_FEATURES:
        frame[feature] = rng.normal(5, 1, n)
    frame["is_premium"] = np.arange(n) % 3 == 0
    frame["allow_offers"] = np.arange(n) % 2 == 0
    frame["decline_probability"] = rng.uniform(0, 1, n)
    frame["risk_band"] = np.where(frame["decline_probability"] >= 0.6, "high", "low")
    frame["profit_at_risk"] = frame["decline_probability"] * 3.0
    frame["top_reason_1"] = "pages_low"
    frame["top_reason_2"] = "tenure_high"
    frame["top_reason_3"] = None
    return frame


def memberships_for(ids, name="segment_a"):
    return pd.DataFrame({"segment_family": "targeted", "segment_name": name, "customer_id": ids})


def test_profile_finds_the_feature_that_sets_a_segment_apart():
    customers = make_customers()
    members = customers["customer_id"].iloc[:20]
    customers.loc[customers["customer_id"].isin(members), "pages_per_visit"] -= 4
    profiles = profile_segments(customers, memberships_for(members)).set_index("feature")

    assert len(profiles) == len(PROFILE_FEATURES)
    pages = profiles.loc["pages_per_visit"]
    assert pages["segment_customers"] == 20 and pages["rest_customers"] == 40
    assert pages["mean_difference"] == pytest.approx(
        customers.loc[customers["customer_id"].isin(members), "pages_per_visit"].mean()
        - customers.loc[~customers["customer_id"].isin(members), "pages_per_visit"].mean()
    )
    assert pages["standardized_difference"] < -1
    assert pages["is_significant"]
    # a feature drawn from the same distribution inside and out is not flagged
    assert not profiles.loc["tenure_days", "is_significant"]


def test_profile_shares_for_flags_and_premium_tier():
    customers = make_customers()
    members = customers.loc[customers["is_premium"], "customer_id"]
    profiles = profile_segments(customers, memberships_for(members)).set_index("feature")
    assert profiles.loc["is_premium", "segment_mean"] == 1.0
    assert profiles.loc["is_premium", "rest_mean"] == 0.0


def test_profile_of_a_segment_holding_everyone_has_no_test():
    customers = make_customers()
    profiles = profile_segments(customers, memberships_for(customers["customer_id"]))
    assert profiles["p_value"].isna().all()
    assert not profiles["is_significant"].any()


def test_effect_direction_follows_the_probability():
    customers = make_customers()
    customers["service_errors"] = customers["decline_probability"] * 10
    customers["pages_per_visit"] = -customers["decline_probability"]
    directions = effect_directions(customers, ["service_errors", "pages_per_visit"])
    assert directions == {"service_errors": 1.0, "pages_per_visit": -1.0}


def _importance(weights=None):
    weights = weights or {}
    return pd.DataFrame(
        {
            "feature": [lv.model_feature for lv in LEVERS],
            "mean_abs_shap": [weights.get(lv.model_feature, 1.0) for lv in LEVERS],
        }
    )


def test_lever_scores_only_count_differences_in_the_risky_direction():
    profiles = pd.DataFrame(
        {
            "segment_family": "targeted",
            "segment_name": "s",
            "feature": ["pages_per_visit", "service_errors"],
            "standardized_difference": [-1.0, -1.0],
            "is_significant": [True, True],
        }
    )
    # fewer pages raises risk; fewer errors lowers it
    scored = score_levers(
        profiles, _importance(), {"pages_per_visit": -1.0, "service_errors": 1.0}
    ).set_index("feature")
    assert scored.loc["pages_per_visit", "lever_score"] > 0
    assert scored.loc["service_errors", "lever_score"] == 0


def _few_pages_segment():
    customers = make_customers(n=90, seed=1)
    members = customers["customer_id"].iloc[:30]
    in_segment = customers["customer_id"].isin(members)
    # the segment has few pages per visit, and few pages go with a high probability
    customers.loc[in_segment, "pages_per_visit"] = 2.0
    customers.loc[~in_segment, "pages_per_visit"] = 9.0
    customers.loc[in_segment, "decline_probability"] = 0.9
    customers.loc[~in_segment, "decline_probability"] = 0.1
    customers["risk_band"] = np.where(in_segment, "high", "low")
    customers["profit_at_risk"] = np.where(in_segment, 2.0, 0.5)
    memberships = memberships_for(members, "few_pages")
    profiles = profile_segments(customers, memberships)
    summary = pd.DataFrame(
        {
            "segment_family": ["targeted"],
            "segment_name": ["few_pages"],
            "customers": [30],
            "mean_decline_probability": [0.9],
            "profit_at_risk": [1234.5],
        }
    )
    return customers, memberships, profiles, summary


def test_recommendation_names_the_lever_the_targets_and_the_profit_kept():
    customers, memberships, profiles, summary = _few_pages_segment()
    out = recommend(
        customers,
        profiles,
        summary,
        _importance({"pages_per_visit": 10.0}),
        memberships,
        6,
        ["high", "medium"],
        0.2,
        BANDS,
    )
    row = out.iloc[0]
    assert row["lever_1"] == "pages_per_visit"
    # the 30 members are all at high risk; every second one allows offers
    assert row["targeted_customers"] == 30
    assert row["targeted_with_consent"] == 15
    assert row["targeted_profit_at_risk"] == pytest.approx(60.0)
    assert row["expected_profit_kept"] == pytest.approx(12.0)
    english = row["recommendation_en"]
    assert english.startswith("Deepen their visits with personal recommendations")
    assert "pages per visit is 2.0 against 9.0 for the other customers" in english
    assert "Targets: 30 customers at risk; 15 of them allow offers" in english
    kept = "if 20% of them keep their level of activity, the shop keeps 12.0 of profit over 6"
    assert kept in english
    russian = row["recommendation_ru"]
    assert russian.startswith("Углубите их визиты")
    assert "страниц за визит — 2,0 против 9,0 у остальных клиентов" in russian
    assert "Цель: 30 клиентов в риске; 15 из них разрешают сообщать" in russian
    assert "магазин сохранит 12,0 прибыли за 6 месяцев." in russian
    assert row["headline_en"].startswith("Deepen their visits")
    assert row["headline_ru"].startswith("Углубите их визиты")


def test_the_assumed_share_is_checked():
    customers, memberships, profiles, summary = _few_pages_segment()
    with pytest.raises(ValueError, match="lever_success_share"):
        recommend(customers, profiles, summary, _importance(), memberships, 3, ["high"], 1.5, BANDS)


def test_recommendation_without_levers_or_risk_says_so():
    customers = make_customers(n=40, seed=2)
    memberships = memberships_for(customers["customer_id"].iloc[:10], "plain")
    profiles = profile_segments(customers, memberships)
    profiles["is_significant"] = False
    summary = pd.DataFrame(
        {
            "segment_family": ["targeted"],
            "segment_name": ["plain"],
            "customers": [10],
            "mean_decline_probability": [0.5],
            "profit_at_risk": [10.0],
        }
    )
    customers["risk_band"] = "low"
    out = recommend(
        customers, profiles, summary, _importance(), memberships, 3, ["high"], 0.2, BANDS
    )
    row = out.iloc[0]
    assert pd.isna(row["lever_1"])
    assert row["targeted_customers"] == 0
    assert row["expected_profit_kept"] == 0
    assert "no action is needed now" in row["recommendation_en"]
    assert "None of them is at risk now." in row["recommendation_en"]
    assert "Сейчас ни один из них не в риске." in row["recommendation_ru"]
    assert row["headline_en"] == (
        "No action is needed now, check their probability at the next refresh"
    )


def test_high_risk_reasons_count_levers_among_high_risk_members_only():
    customers = make_customers(n=6)
    customers["risk_band"] = ["high", "high", "high", "low", "high", "high"]
    customers["top_reason_1"] = [
        "service_errors_high",
        "promotions_high",
        "service_errors_high",
        "pages_low",
        "pages_low",
        "pages_low",
    ]
    customers["top_reason_2"] = ["tenure_high", "service_errors_high", None, None, None, None]
    customers["top_reason_3"] = None
    memberships = memberships_for([1, 2, 3, 4], "s")  # 5 and 6 are outside the segment
    count, levers = high_risk_reasons(customers, memberships, "s", "targeted", BANDS[0])
    assert count == 3
    # service_errors 3 times, promo once; tenure is not a lever, pages only outside or low risk
    assert levers == ["service_errors_high", "promotions_high"]

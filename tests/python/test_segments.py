"""Segment profiles and recommendations on small frames."""

import numpy as np
import pandas as pd
import pytest

from one_click.segments import LEVERS, PROFILE_FEATURES, profile_segments, recommend
from one_click.segments.recommendations import (
    effect_directions,
    high_risk_reasons,
    score_levers,
)


def make_customers(n=60, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"customer_id": np.arange(1, n + 1)})
    for feature in PROFILE_FEATURES:
        frame[feature] = rng.normal(5, 1, n)
    frame["is_premium"] = np.arange(n) % 3 == 0
    frame["allow_offers"] = np.arange(n) % 2 == 0
    frame["decline_probability"] = rng.uniform(0, 1, n)
    frame["risk_band"] = np.where(frame["decline_probability"] >= 0.6, "high", "low")
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


def test_recommendation_names_the_segment_lever_and_numbers():
    customers = make_customers(n=90, seed=1)
    members = customers["customer_id"].iloc[:30]
    in_segment = customers["customer_id"].isin(members)
    # the segment has few pages per visit, and few pages go with a high probability
    customers.loc[in_segment, "pages_per_visit"] = 2.0
    customers.loc[~in_segment, "pages_per_visit"] = 9.0
    customers.loc[in_segment, "decline_probability"] = 0.9
    customers.loc[~in_segment, "decline_probability"] = 0.1
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
    out = recommend(
        customers, profiles, summary, _importance({"pages_per_visit": 10.0}), memberships, 6
    )
    assert list(out.columns) == [
        "segment_family",
        "segment_name",
        "customers",
        "profit_at_risk",
        "lever_1",
        "lever_2",
        "recommendation",
    ]
    row = out.iloc[0]
    assert row["lever_1"] == "pages_per_visit"
    text = row["recommendation"]
    assert text.startswith("few_pages (30 customers")
    assert "1,234.5 of profit at risk over 6 months" in text
    assert "pages per visit (2.0 against 9.0" in text
    assert "recommendations" in text


def test_recommendation_without_levers_says_so():
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
    out = recommend(customers, profiles, summary, _importance(), memberships, 3)
    assert pd.isna(out.iloc[0]["lever_1"])
    assert "keep their current treatment" in out.iloc[0]["recommendation"]
    assert "None of them is at high risk" in out.iloc[0]["recommendation"]


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
    count, levers = high_risk_reasons(customers, memberships, "s", "targeted")
    assert count == 3
    # service_errors 3 times, promo once; tenure is not a lever, pages only outside or low risk
    assert levers == ["service errors", "share of purchases on promotion"]

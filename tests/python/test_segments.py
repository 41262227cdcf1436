"""Segment profiles and recommendations on small frames: advice from each segment's own action
mix, headlines that differ, the first screen, profit kept only where an offer reaches."""

import numpy as np
import pandas as pd
import pytest

from one_click.marketing.profiles import PROFILE_FEATURES, profile_segments
from one_click.marketing.recommendations import (
    LEVERS,
    check_kept,
    effect_directions,
    recommend,
    score_levers,
)

SHARES = {"low": 0.1, "central": 0.2, "high": 0.3}


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


def _mix(rows):
    """segment_action_mix rows: (family, segment, action, category, customers, with consent,
    profit at risk, profit at risk of those with consent)."""
    columns = ["segment_family", "segment_name", "action_code", "favourite_category",
               "customers", "with_consent", "profit_at_risk", "consent_profit_at_risk"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    frame["customer_share"] = frame["customers"] / frame.groupby(
        ["segment_family", "segment_name"]
    )["customers"].transform("sum")
    return frame


def _kept(summary, mix, shares=SHARES, measured=None):
    """marketing.segment_profit_kept for `summary`: each segment's reachable profit at risk (from
    `mix`) x the assumed shares, or x the measured ones of `measured` (segment -> campaign month
    and low, central, high shares)."""
    reachable = mix.groupby(["segment_family", "segment_name"])["consent_profit_at_risk"].sum()
    rows = []
    for family, name in summary[["segment_family", "segment_name"]].itertuples(index=False):
        base = float(reachable.get((family, name), 0.0))
        month, *ends = (measured or {}).get(name) or (None, *(shares[k] for k in SHARE_KEYS))
        rows.append(
            {
                "segment_family": family,
                "segment_name": name,
                "profit_kept_basis": "assumed" if month is None else "measured",
                "measured_campaign_month": month,
                "success_share_low": ends[0],
                "success_share": ends[1],
                "success_share_high": ends[2],
                "expected_profit_kept_low": ends[0] * base,
                "expected_profit_kept": ends[1] * base,
                "expected_profit_kept_high": ends[2] * base,
            }
        )
    return pd.DataFrame(rows)


SHARE_KEYS = ("low", "central", "high")


def _summary(rows):
    return pd.DataFrame(
        rows, columns=["segment_family", "segment_name", "customers", "profit_at_risk"]
    )


KIDS = "Товары для детей"
KITCHEN = "Кухонная посуда"


def _two_segments_one_favourite_action(measured=None):
    customers = make_customers(n=90, seed=1)
    members_a = customers["customer_id"].iloc[:30]
    members_b = customers["customer_id"].iloc[30:60]
    memberships = pd.concat(
        [
            memberships_for(members_a, "promo_dependent_at_risk"),
            memberships_for(members_b, "kids_goods_at_risk"),
        ]
    )
    profiles = profile_segments(customers, memberships)
    # both segments' most common action is loyalty_bonus; promo_dependent_at_risk holds more
    # profit at risk, so it keeps it and kids_goods_at_risk leads with its next action
    mix = _mix(
        [
            ("targeted", "promo_dependent_at_risk", "loyalty_bonus", KITCHEN, 20, 15, 300.0, 200.0),
            ("targeted", "promo_dependent_at_risk", "cart_reminder", KITCHEN, 5, 5, 50.0, 50.0),
            ("targeted", "kids_goods_at_risk", "loyalty_bonus", KIDS, 12, 6, 100.0, 40.0),
            ("targeted", "kids_goods_at_risk", "category_offer", KIDS, 8, 8, 90.0, 90.0),
            ("targeted", "kids_goods_at_risk", "site_category", KIDS, 2, 0, 10.0, 0.0),
            # a cell holding more at risk than any targeted segment, one holding less
            (
                "risk_profit_matrix",
                "high_risk_medium_profit",
                "loyalty_bonus",
                KITCHEN,
                40,
                30,
                500.0,
                400.0,
            ),
            (
                "risk_profit_matrix",
                "high_risk_medium_profit",
                "fewer_contacts",
                KITCHEN,
                4,
                4,
                50.0,
                50.0,
            ),
            (
                "risk_profit_matrix",
                "medium_risk_low_profit",
                "personal_recommendations",
                KITCHEN,
                3,
                3,
                5.0,
                5.0,
            ),
        ]
    )
    summary = _summary(
        [
            ("targeted", "promo_dependent_at_risk", 30, 360.0),
            ("targeted", "kids_goods_at_risk", 30, 220.0),
            ("targeted", "long_lifecycle_buyers", 10, 4.0),
            ("risk_profit_matrix", "high_risk_medium_profit", 44, 550.0),
            ("risk_profit_matrix", "medium_risk_low_profit", 9, 8.0),
        ]
    )
    kept = _kept(summary, mix, measured=measured)
    out = recommend(summary, mix, profiles, _importance(), customers, 3, ["high", "medium"], kept)
    return out.set_index("segment_name")


def test_segments_with_the_same_favourite_action_get_different_headlines():
    out = _two_segments_one_favourite_action()
    # the cell with the most profit at risk chooses first; the segments after it take their most
    # common action no group before them took
    assert out.loc["high_risk_medium_profit", "main_action"] == "loyalty_bonus"
    assert out.loc["promo_dependent_at_risk", "main_action"] == "cart_reminder"
    assert out.loc["kids_goods_at_risk", "main_action"] == "category_offer"
    shown = out[out["on_first_screen"]]
    assert shown["headline_ru"].is_unique and shown["headline_en"].is_unique
    # the kids' segment's action names its own category, in either language
    assert "«Товары для детей»" in out.loc["kids_goods_at_risk", "headline_ru"]
    assert "kids' goods" in out.loc["kids_goods_at_risk", "headline_en"]
    assert out.loc["kids_goods_at_risk", "main_category"] == KIDS
    assert out.loc["high_risk_medium_profit", "headline_en"] == (
        "Personal loyalty bonuses instead of blanket discounts, for 91% of 44 customers at risk"
    )


def test_the_recommendation_names_its_mix_and_category():
    english = _two_segments_one_favourite_action().loc["kids_goods_at_risk", "recommendation_en"]
    assert english.startswith(
        'The main action is a personal offer in their favourite category "kids\' goods": 36% of'
    )
    assert "Then: personal loyalty bonuses instead of blanket discounts (55%)" in english
    assert 'Most of them favour "kids\' goods" (100%)' in english


def test_the_first_screen_ranks_by_profit_at_risk_and_shows_a_bigger_cell():
    out = _two_segments_one_favourite_action()
    ranks = out["first_screen_rank"].dropna().sort_values()
    assert list(ranks.index) == [
        "high_risk_medium_profit",
        "promo_dependent_at_risk",
        "kids_goods_at_risk",
        "long_lifecycle_buyers",
    ]
    assert not out.loc["medium_risk_low_profit", "on_first_screen"]
    # the group ranked first chooses first: the cell keeps its most common action
    assert out.loc["high_risk_medium_profit", "main_action"] == "loyalty_bonus"


def test_profit_kept_counts_only_customers_an_offer_reaches_within_the_assumed_range():
    row = _two_segments_one_favourite_action().loc["kids_goods_at_risk"]
    assert row["targeted_customers"] == 22 and row["targeted_with_consent"] == 14
    assert row["targeted_profit_at_risk"] == pytest.approx(200.0)
    assert row["reachable_profit_at_risk"] == pytest.approx(130.0)
    kept = row[["expected_profit_kept_low", "expected_profit_kept", "expected_profit_kept_high"]]
    assert list(kept) == pytest.approx([13.0, 26.0, 39.0])
    assert "from 13.0 to 39.0 of profit over 3 months" not in row["recommendation_en"]
    assert "keeps 13.0 to 39.0 of profit over 3 months" in row["recommendation_en"]
    assert "assumption" in row["recommendation_en"]


def test_a_segment_with_nobody_at_risk_says_so_in_its_own_words():
    out = _two_segments_one_favourite_action()
    row = out.loc["long_lifecycle_buyers"]
    assert row["targeted_customers"] == 0 and pd.isna(row["main_action"])
    assert row["expected_profit_kept"] == 0.0
    assert row["headline_en"].startswith("Buyers of long-lasting appliances: no one is at risk")
    assert (
        "None of them is in a risk band (high risk, medium risk) now." in row["recommendation_en"]
    )
    assert "никто из них не в группе риска (высокий риск, средний риск)" in row["recommendation_ru"]


def test_a_measured_profit_kept_says_so_and_names_its_campaign():
    out = _two_segments_one_favourite_action(
        measured={"kids_goods_at_risk": ("2026-07", 0.05, 0.15, 0.25)}
    )
    row = out.loc["kids_goods_at_risk"]
    assert row["profit_kept_basis"] == "measured" and row["measured_campaign_month"] == "2026-07"
    kept = row[["expected_profit_kept_low", "expected_profit_kept", "expected_profit_kept_high"]]
    assert list(kept) == pytest.approx([6.5, 19.5, 32.5])
    assert "Measured on the campaign of July 2026" in row["recommendation_en"]
    assert "here that is 6.5 to 32.5 of profit over 3 months" in row["recommendation_en"]
    assert "assumption" not in row["recommendation_en"]
    assert "Измерено на кампании за июль 2026" in row["recommendation_ru"]
    # the others stay assumed, and say so
    other = out.loc["promo_dependent_at_risk"]
    assert other["profit_kept_basis"] == "assumed" and "assumption" in other["recommendation_en"]


def test_the_profit_kept_must_cover_every_segment():
    summary = _summary([("targeted", "a", 3, 1.0), ("targeted", "b", 3, 1.0)])
    mix = _mix([("targeted", "a", "loyalty_bonus", KITCHEN, 1, 1, 1.0, 1.0)])
    kept = _kept(summary, mix)
    assert len(check_kept(kept, summary)) == 2
    with pytest.raises(ValueError, match="no row for segment.*targeted/b"):
        check_kept(kept.iloc[:1], summary)
    with pytest.raises(ValueError, match="lacks column.*profit_kept_basis"):
        check_kept(kept.drop(columns="profit_kept_basis"), summary)

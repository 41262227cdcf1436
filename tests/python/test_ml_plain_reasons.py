"""Reasons in plain words: one reason per thing measured, with its direction."""

from __future__ import annotations

import pandas as pd
import pytest

from one_click.ml.plain_reasons import plain_reasons, reason_words
from one_click.project import setting

MEDIANS = {"minutes_2m_total": 25.0, "revenue_3m_total": 15000.0, "promo_purchase_share": 0.25,
           "pages_per_visit": 8.0, "marketing_contacts_6m_avg": 4.0, "categories_per_visit": 3.0,
           "unpaid_items_quarter": 3.0, "service_errors": 4.0, "tenure_days": 600.0}  # fmt: skip


def long(customer: int, values: dict[str, tuple[float, str, float]]) -> pd.DataFrame:
    """SHAP rows of one customer: feature -> (feature_value, feature_label, shap_value)."""
    return pd.DataFrame(
        [
            {
                "customer_id": customer,
                "feature": feature,
                "feature_value": value,
                "feature_label": label,
                "shap_value": shap,
            }  # fmt: skip
            for feature, (value, label, shap) in values.items()
        ]
    )


def test_features_that_measure_one_thing_count_as_one_reason():
    rows = long(
        1,
        {
            "minutes_current_month": (9, "9", 0.05),
            "minutes_previous_month": (10, "10", 0.04),
            "minutes_2m_total": (19, "19", 0.03),
            "promo_purchase_share": (0.9, "0.9", 0.10),
            "pages_per_visit": (3, "3", 0.02),
            "service_errors": (2, "2", -0.2),
        },
    )
    reasons = plain_reasons(rows, MEDIANS).iloc[0]
    # the minutes add up to 0.12, more than promotions alone (0.10): three different facts
    assert list(reasons[["top_reason_1", "top_reason_2", "top_reason_3"]]) == [
        "site_time_low",
        "promotions_high",
        "pages_low",
    ]
    assert (
        reasons["reasons_ru"]
        == "мало времени на сайте; много покупок по акции; мало страниц за визит"
    )
    assert reasons["reasons_en"].startswith("little time on the site; buys mostly on promotion")


def test_the_direction_follows_the_customers_value():
    high = plain_reasons(long(1, {"minutes_2m_total": (40, "40", 0.1)}), MEDIANS)
    low = plain_reasons(long(1, {"minutes_2m_total": (10, "10", 0.1)}), MEDIANS)
    assert high.loc[0, "top_reason_1"] == "site_time_high"
    assert low.loc[0, "top_reason_1"] == "site_time_low"


def test_categories_and_flags_name_the_value():
    rows = long(
        2,
        {
            "favourite_category": (1, "Кухонная посуда", 0.3),
            "allow_offers": (0, "false", 0.2),
            "tenure_days": (100, "100", -0.1),
        },
    )
    reasons = plain_reasons(rows, MEDIANS).iloc[0]
    assert reasons["top_reason_1"] == "category" and reasons["top_reason_2"] == "consent_false"
    assert pd.isna(reasons["top_reason_3"]), "only reasons that push the probability up count"
    # the category as delivered in Russian, by its English name (var shop_vocabulary) in English
    english = setting("shop_vocabulary")["categories"]["Кухонная посуда"]["en"]
    assert reasons["reasons_en"] == f'favourite category "{english}"; does not allow offers'
    assert reasons["reasons_ru"].startswith("популярная категория «Кухонная посуда»; ")


def test_a_customer_with_nothing_pushing_up_has_no_reason():
    reasons = plain_reasons(long(3, {"service_errors": (1, "1", -0.05)}), MEDIANS).iloc[0]
    assert reasons[["top_reason_1", "reasons_ru"]].isna().all()


def test_unknown_codes_and_features_are_refused():
    with pytest.raises(KeyError, match="unknown reason code"):
        reason_words("site_time_sideways", "ru")
    with pytest.raises(KeyError, match="without a reason"):
        plain_reasons(long(1, {"nonsense": (1, "1", 0.1)}), MEDIANS)

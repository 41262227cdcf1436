"""Reasons in plain words: one reason per thing measured, with its direction only away from
typical customers; facts the store cannot change as context."""

from __future__ import annotations

import pandas as pd
import pytest

from one_click.ml.plain_reasons import plain_reasons, reason_words
from one_click.project import setting

# the band of typical customers (lower and upper quartile) of every direction feature; the medians
# sit inside (27 minutes on the site over the two months, 3 categories per visit), as in the
# delivered data
BANDS = {"minutes_2m_total": (21.0, 32.0), "revenue_3m_total": (14000.0, 16000.0),
         "promo_purchase_share": (0.17, 0.30), "pages_per_visit": (5.0, 11.0),
         "marketing_contacts_6m_avg": (3.7, 4.7), "categories_per_visit": (2.0, 4.0),
         "unpaid_items_quarter": (1.0, 4.0), "service_errors": (3.0, 6.0),
         "tenure_days": (400.0, 800.0)}  # fmt: skip


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
    reasons = plain_reasons(rows, BANDS).iloc[0]
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
    high = plain_reasons(long(1, {"minutes_2m_total": (70, "70", 0.1)}), BANDS)
    low = plain_reasons(long(1, {"minutes_2m_total": (10, "10", 0.1)}), BANDS)
    assert high.loc[0, "top_reason_1"] == "site_time_high"
    assert low.loc[0, "top_reason_1"] == "site_time_low"


@pytest.mark.parametrize(
    ("feature", "value"),
    [
        ("categories_per_visit", 3),  # the median customer: 3 categories per visit
        ("minutes_2m_total", 27),  # 27 minutes, the median
        ("categories_per_visit", 2),  # the band's lower edge
        ("categories_per_visit", 4),  # the band's upper edge
        ("minutes_2m_total", 21),
        ("minutes_2m_total", 32),
    ],
)
def test_a_typical_value_is_no_reason_however_much_it_pushes(feature, value):
    rows = long(1, {feature: (value, str(value), 0.3), "promo_purchase_share": (0.9, "0.9", 0.01)})
    reasons = plain_reasons(rows, BANDS).iloc[0]
    # the feature pushes most, but at a typical value it names no direction: the next reason
    # leads, and no word of «много» or «мало» for the typical one
    assert reasons["top_reason_1"] == "promotions_high"
    assert pd.isna(reasons["top_reason_2"])
    assert reasons["reasons_ru"] == "много покупок по акции"


@pytest.mark.parametrize(
    ("value", "code"), [(1, "categories_low"), (5, "categories_high"), (6, "categories_high")]
)
def test_just_outside_the_band_a_reason_names_its_direction(value, code):
    rows = long(1, {"categories_per_visit": (value, str(value), 0.3)})
    assert plain_reasons(rows, BANDS).loc[0, "top_reason_1"] == code


def test_facts_the_store_cannot_change_are_context_not_reasons():
    rows = long(
        2,
        {
            "favourite_category": (1, "Кухонная посуда", 0.3),
            "service_tier": (1, "премиум", 0.25),
            "allow_offers": (0, "false", 0.2),
            "tenure_days": (100, "100", 0.15),
            "pages_per_visit": (3, "3", -0.1),
        },
    )
    reasons = plain_reasons(rows, BANDS).iloc[0]
    # consent can be asked for: a reason; the category, the tier and the tenure are context
    assert reasons["top_reason_1"] == "consent_false"
    assert pd.isna(reasons["top_reason_2"]), "only reasons that push the probability up count"
    assert reasons["reasons_ru"] == "не разрешает сообщать о предложениях"
    assert reasons["context_reasons"] == "category, tier, tenure_low"
    # the category as delivered in Russian, by its English name (var shop_vocabulary) in English
    english = setting("shop_vocabulary")["categories"]["Кухонная посуда"]["en"]
    assert reasons["context_en"].startswith(f'favourite category "{english}"; service tier')
    assert reasons["context_ru"] == (
        "популярная категория «Кухонная посуда»; тип сервиса «премиум»; недавно зарегистрировался"
    )


def test_a_customer_with_nothing_pushing_up_has_no_reason():
    reasons = plain_reasons(long(3, {"service_errors": (1, "1", -0.05)}), BANDS).iloc[0]
    assert reasons[["top_reason_1", "reasons_ru"]].isna().all()


def test_unknown_codes_and_features_are_refused():
    with pytest.raises(KeyError, match="unknown reason code"):
        reason_words("site_time_sideways", "ru")
    with pytest.raises(KeyError, match="without a reason"):
        plain_reasons(long(1, {"nonsense": (1, "1", 0.1)}), BANDS)

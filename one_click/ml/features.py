"""Which columns of customers.customer_features the model reads, and the label with its guard."""

import numpy as np
import pandas as pd

ID_COLUMN = "customer_id"
TARGET = "activity_declined"
# The positive class (label 1, the column predict_proba(...)[:, 1] scores) is "activity declined".
POSITIVE_CLASS = 1
POSITIVE_CLASS_MEANING = "activity_declined = true (buying activity declined)"

CATEGORICAL_FEATURES = ["service_tier", "favourite_category"]
NUMERIC_FEATURES = [
    "allow_offers",  # boolean, read as 0/1
    "marketing_contacts_6m_avg",
    "marketing_contacts_current_month",
    "tenure_days",
    "promo_purchase_share",
    "categories_per_visit",
    "unpaid_items_quarter",
    "service_errors",
    "pages_per_visit",
    "revenue_month_before_previous",
    "revenue_previous_month",
    "revenue_current_month",
    "minutes_previous_month",
    "minutes_current_month",
    "revenue_change_ratio",
    "revenue_3m_total",
    "minutes_change",
    "minutes_2m_total",
]
FEATURES = CATEGORICAL_FEATURES + NUMERIC_FEATURES
# Not features: the key (ids are ordered by the label in the delivered file, a leak), profit (the
# value the scores are weighed with, not behaviour) and the imputation flag (a data-quality note).
NOT_FEATURES = [ID_COLUMN, TARGET, "profit", "has_imputed_revenue"]


class PositiveClassError(AssertionError):
    """The label does not mean what the model's probabilities are documented to mean."""


def sort_customers(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame in customer_id order with a fresh index: every split and refit sees one order."""
    return frame.sort_values(ID_COLUMN, kind="stable").reset_index(drop=True)


def feature_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The model's input: the feature columns, categories as text, everything else as float.

    Raises on a missing column or a missing value: customer_features has none, and a model
    should not guess one.
    """
    absent = [column for column in FEATURES if column not in frame.columns]
    if absent:
        raise KeyError(f"customer frame lacks the model's features: {absent}")
    features = pd.DataFrame(index=frame.index)
    for column in CATEGORICAL_FEATURES:
        features[column] = frame[column].astype(object)
    for column in NUMERIC_FEATURES:
        features[column] = frame[column].astype("float64")
    gaps = features.columns[features.isna().any()].tolist()
    if gaps:
        raise ValueError(f"missing values in the model's features: {gaps}")
    return features


def encode_target(frame: pd.DataFrame) -> np.ndarray:
    """The label as 0/1, 1 = activity declined (the positive class).

    activity_declined must be boolean, as staging makes it from «Покупательская активность»
    (var shop_vocabulary.activity), and hold both classes. Anything else raises
    PositiveClassError: text such as the delivered label would turn every row into 1 under a
    plain cast, and a model fitted on one class scores nothing.
    """
    values = frame[TARGET]
    if not pd.api.types.is_bool_dtype(values.dtype):
        shown = sorted(map(str, pd.unique(values.dropna())))[:5]
        raise PositiveClassError(
            f"{TARGET} must be boolean (true = {POSITIVE_CLASS_MEANING}); got {values.dtype} "
            f"values {shown}"
        )
    if values.isna().any():
        raise PositiveClassError(f"{TARGET} has {int(values.isna().sum())} missing values")
    label = np.where(values.to_numpy(dtype=bool), POSITIVE_CLASS, 1 - POSITIVE_CLASS)
    if len(set(label.tolist())) < 2:
        raise PositiveClassError(f"{TARGET} holds one class only ({sorted(set(label.tolist()))})")
    return label


def assert_model_positive_class(model) -> None:
    """Raise PositiveClassError unless the fitted model's second probability column is class 1."""
    classes = list(getattr(model, "classes_", []))
    if classes != [0, 1]:
        raise PositiveClassError(
            f"the model's classes must be [0, 1] with 1 = {POSITIVE_CLASS_MEANING}, got {classes}"
        )

"""Score a batch of customers by hand with a kept model, without retraining, from any directory.

    from one_click.score import score_customers

    scores = score_customers()                                  # the published warehouse's
    scores = score_customers(customers=from_delivery("dir"))    # a new delivery's

It sits above both one_click.ml (the model) and one_click.customers (where customers come from),
and reads the bands through one_click.project.setting, as Python outside dbt does.
"""

from __future__ import annotations

import pandas as pd

from one_click.customers import derive, from_warehouse
from one_click.ml.features import ID_COLUMN, assert_model_positive_class, feature_frame
from one_click.ml.persist import load_model
from one_click.ml.scoring import risk_band, warn_unseen_categories
from one_click.project import risk_bands


def score_customers(
    model=None, customers: pd.DataFrame | None = None, bands: dict | None = None
) -> pd.DataFrame:
    """customer_id, decline_probability and risk_band of a batch.

    model: a kept model (default: the published one, one_click.ml.persist.load_model()).
    customers: customer_id and the delivered feature columns of customers.customer_features
    (default: the published warehouse's, one_click.customers.from_warehouse(); or
    from_delivery(dir) for a new delivery); the label is not needed. The derived columns (var
    derived_features) are always recomputed (one_click.customers.derive), never taken on trust.
    bands: {name: lowest probability}, riskiest first (default: var risk_bands).
    """
    model = load_model() if model is None else model
    customers = from_warehouse() if customers is None else customers
    customers = derive(customers)
    bands = risk_bands() if bands is None else bands
    assert_model_positive_class(model)
    X = feature_frame(customers)
    warn_unseen_categories(model, X)
    probability = model.predict_proba(X)[:, 1]
    return pd.DataFrame(
        {
            ID_COLUMN: customers[ID_COLUMN].to_numpy(),
            "decline_probability": probability,
            "risk_band": risk_band(probability, bands),
        }
    ).astype({ID_COLUMN: "int32", "decline_probability": "float64", "risk_band": "string"})

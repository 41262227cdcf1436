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
from one_click.ml.persist import (
    ServedModels,
    load_fold_models,
    load_model,
    published_model_path,
)
from one_click.ml.scoring import risk_band, warn_unseen_categories
from one_click.project import risk_bands


def load_served_models(path=None) -> ServedModels:
    """The kept model (default: the published one) with its outer-fold models: a customer the
    kept model trained on is scored by the fold model that did not see them, as score mode does."""
    path = published_model_path() if path is None else path
    return load_fold_models(path.parent, load_model(path))


def score_customers(
    model=None, customers: pd.DataFrame | None = None, bands: dict | None = None
) -> pd.DataFrame:
    """customer_id, decline_probability and risk_band of a batch.

    model: the served models (default: the published ones, load_served_models(): a customer
    the kept model trained on is scored by the outer-fold model that did not see them, every
    other customer by the kept model), or a kept model alone (it then scores everyone).
    customers: customer_id and the delivered feature columns of customers.customer_features
    (default: the published warehouse's, one_click.customers.from_warehouse(); or
    from_delivery(dir) for a new delivery); the label is not needed. The derived columns (var
    derived_features) are always recomputed (one_click.customers.derive), never taken on trust.
    bands: {name: lowest probability}, riskiest first (default: var risk_bands).
    """
    if model is None:
        model = load_served_models()
    served = model if isinstance(model, ServedModels) else ServedModels(model)
    customers = from_warehouse() if customers is None else customers
    customers = derive(customers)
    bands = risk_bands() if bands is None else bands
    assert_model_positive_class(served.kept)
    X = feature_frame(customers)
    warn_unseen_categories(served.kept, X)
    ids = customers[ID_COLUMN].to_numpy()
    probability, _ = served.decline_probability(ids, X)
    return pd.DataFrame(
        {
            ID_COLUMN: ids,
            "decline_probability": probability,
            "risk_band": risk_band(probability, bands),
        }
    ).astype({ID_COLUMN: "int32", "decline_probability": "float64", "risk_band": "string"})

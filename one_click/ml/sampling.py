"""Which customers the model selection and the explanations see: stratified samples, capped.

The nested search, the 75/25 evaluation, the calibration tables and the leaderboard run on the
model sample (ml.model_sample): at most var model_sample_size customers, drawn stratified by the
label. The kept model is tuned and fitted on the same sample, so every customer outside it is
scored by a model that never saw them. ml.customer_shap_values explains a stratified sample of the
model sample (var shap_sample_size). With no more customers than the cap, a sample is every
customer: at the delivered data (1,297 customers) nothing is sampled away.

Deterministic: the customers are put in customer_id order before the draw, and the draw takes the
project's seed, so the same customers give the same sample whatever order they come in.
"""

import numpy as np
import pandas as pd

from one_click.ml.features import ID_COLUMN, TARGET, encode_target, sort_customers

SAMPLE_DTYPES = {ID_COLUMN: "int32", TARGET: "bool"}


def stratified_sample(customers: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    """customer_id and label of at most `size` customers, in customer_id order.

    Every customer when there are no more than `size`; otherwise `size` of them, each class of
    the label in its share of all customers (train_test_split's stratified draw, random_state
    seed). customers needs customer_id and activity_declined.
    """
    if int(size) < 2:
        raise ValueError(f"a sample needs room for both classes of the label, got size {size}")
    customers = sort_customers(customers[[ID_COLUMN, TARGET]])
    if len(customers) > size:
        # here, not at the top: importing scikit-learn takes a second, and ml.model_sample, the
        # first model of the chain, needs it only when there are more customers than the cap
        from sklearn.model_selection import train_test_split

        labels = customers[TARGET].astype(bool)
        # a month whose labels cannot be stratified (score mode: one class, or a class of one
        # customer) is drawn at random; training refuses such a delivery before it gets here
        stratify = (
            encode_target(customers)
            if labels.value_counts().min() >= 2 and labels.nunique() == 2
            else None
        )
        keep, _ = train_test_split(
            np.arange(len(customers)),
            train_size=int(size),
            stratify=stratify,
            random_state=seed,
        )
        customers = customers.iloc[np.sort(keep)]
    return customers.reset_index(drop=True).astype(SAMPLE_DTYPES)


def rows_of(relation, customers):
    """The rows of `relation` (a DuckDB relation with customer_id, e.g. customer_features) whose
    customer is in `customers` (a relation with customer_id, e.g. model_sample), as a DataFrame:
    the join runs in DuckDB, so only those rows reach Python."""
    return relation.join(customers.select(ID_COLUMN), ID_COLUMN, how="semi").df()

"""Per feature: the PSI between the customers this build scores and the kept model's training
customers (the distributions kept in its metadata)."""

from one_click.ml.drift import relation_drift
from one_click.ml.persist import load_metadata, model_directory


def model(dbt, session):
    # the threshold: var drift_psi_threshold, rendered by dbt into meta
    dbt.config(materialized="table")
    [row] = dbt.ref("churn_model").df().to_dict("records")
    metadata = load_metadata(model_directory(session).parent / row["metadata_path"])
    return relation_drift(
        dbt.ref("customer_features"),
        metadata["feature_distributions"],
        training_customers=int(metadata["customers"]),
        threshold=float(dbt.config.meta_get("drift_psi_threshold")),
    )

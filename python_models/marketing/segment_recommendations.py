from one_click.segments import recommend


def model(dbt, session):
    # horizon: var profit_at_risk_months, rendered by dbt into meta
    dbt.config(materialized="table")
    horizon = int(dbt.config.meta_get("profit_at_risk_months"))
    return recommend(
        # the top reasons of the customers customer_reasons explains (null for the others)
        customers=dbt.ref("customer_risk")
        .join(dbt.ref("customer_reasons"), "customer_id", how="left")
        .df(),
        profiles=dbt.ref("segment_profiles").df(),
        summary=dbt.ref("segment_summary").df(),
        importance=dbt.ref("feature_importance").df(),
        memberships=dbt.ref("segment_memberships").df(),
        horizon=horizon,
    )

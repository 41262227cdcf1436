from one_click.segments import recommend


def model(dbt, session):
    dbt.config(materialized="table")
    return recommend(
        customers=dbt.ref("int_customers_scored").df(),
        profiles=dbt.ref("segment_profiles").df(),
        summary=dbt.ref("segment_summary").df(),
        importance=dbt.ref("feature_importance").df(),
        memberships=dbt.ref("segment_memberships").df(),
    )

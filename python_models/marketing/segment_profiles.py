from one_click.segments import profile_segments


def model(dbt, session):
    dbt.config(materialized="table")
    customers = dbt.ref("customer_risk").df()
    memberships = dbt.ref("segment_memberships").df()
    return profile_segments(customers, memberships)

from one_click.marketing import profile_segments


def model(dbt, session):
    # every customer, or a fixed random sample of var profile_sample_size (meta) of them
    dbt.config(materialized="table")
    size = int(dbt.config.meta_get("profile_sample_size"))
    seed = int(dbt.config.meta_get("random_seed"))
    sample = dbt.ref("customer_risk").order(f"hash(customer_id, {seed})").limit(size)
    customers = sample.order("customer_id").df()
    memberships = dbt.ref("segment_memberships").df()
    memberships = memberships[memberships["customer_id"].isin(customers["customer_id"])]
    return profile_segments(customers, memberships)

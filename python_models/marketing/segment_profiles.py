from one_click.marketing.profiles import profile_segments


def model(dbt, session):
    # every customer, or a fixed random sample of var profile_sample_size (meta) of them
    dbt.config(materialized="table")
    size = int(dbt.config.meta_get("profile_sample_size"))
    seed = int(dbt.config.meta_get("random_seed"))
    sample = dbt.ref("customer_risk").order(f"hash(customer_id, {seed})").limit(size)
    customers = sample.order("customer_id").df()
    # only the sample's memberships reach pandas (a semi join in DuckDB)
    memberships = (
        dbt.ref("segment_memberships").join(sample.select("customer_id"), "customer_id").df()
    )
    return profile_segments(customers, memberships)

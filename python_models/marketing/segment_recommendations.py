from one_click.marketing.recommendations import recommend
from one_click.project import meta_list


def model(dbt, session):
    # vars profit_at_risk_months, at_risk_bands, profile_sample_size and random_seed, rendered
    # by dbt into meta (dbt passes only the keys it finds as literal dbt.config.meta_get calls).
    # Reads aggregates (the action mix, the profiles, the profit kept, measured or assumed) and a
    # fixed random sample of customers, never the whole customer frame.
    dbt.config(materialized="table")
    size = int(dbt.config.meta_get("profile_sample_size"))
    seed = int(dbt.config.meta_get("random_seed"))
    sample = dbt.ref("customer_risk").order(f"hash(customer_id, {seed})").limit(size)
    return recommend(
        summary=dbt.ref("segment_summary").df(),
        mix=dbt.ref("segment_action_mix").df(),
        profiles=dbt.ref("segment_profiles").df(),
        importance=dbt.ref("feature_importance").df(),
        sample=sample.order("customer_id").df(),
        horizon=int(dbt.config.meta_get("profit_at_risk_months")),
        at_risk_bands=meta_list(dbt.config.meta_get("at_risk_bands")),
        kept=dbt.ref("segment_profit_kept").df(),
    )

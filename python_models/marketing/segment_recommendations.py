from one_click.marketing import recommend
from one_click.project import check_risk_bands, meta_list


def model(dbt, session):
    # vars profit_at_risk_months, at_risk_bands, lever_success_share and risk_bands, rendered by
    # dbt into meta
    # (dbt passes only the keys it finds as literal dbt.config.meta_get calls)
    dbt.config(materialized="table")
    return recommend(
        # the top reasons of the customers customer_reasons explains (null for the others)
        customers=dbt.ref("customer_risk")
        .join(dbt.ref("customer_reasons"), "customer_id", how="left")
        .df(),
        profiles=dbt.ref("segment_profiles").df(),
        summary=dbt.ref("segment_summary").df(),
        importance=dbt.ref("feature_importance").df(),
        memberships=dbt.ref("segment_memberships").df(),
        horizon=int(dbt.config.meta_get("profit_at_risk_months")),
        at_risk_bands=meta_list(dbt.config.meta_get("at_risk_bands")),
        share=float(dbt.config.meta_get("lever_success_share")),
        risk_bands=list(check_risk_bands(dbt.config.meta_get("risk_bands"))),
    )

{#- The columns every segment view returns, in order: who, how risky, how valuable, and the
    behaviour an analyst filters on. Each view may add its own columns after these. -#}
{% macro segment_columns() -%}
    customer_id,
    decline_probability,
    risk_band,
    profit,
    profit_level,
    profit_at_risk,
    favourite_category,
    promo_purchase_share,
    service_tier,
    allow_offers,
    marketing_contacts_6m_avg,
    pages_per_visit,
    unpaid_items_quarter,
    service_errors,
    top_reason_1,
    top_reason_2,
    top_reason_3
{%- endmacro %}

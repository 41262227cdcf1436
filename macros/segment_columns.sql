{#- The columns every segment view returns, in order: who, how risky, how valuable, the behaviour
    an analyst filters on, and the top reasons. `customers` is the view's import of
    marketing.customer_risk_reasons (the reasons are null beyond the customers customer_reasons
    explains). Each view may add its own columns after these. Values are rounded for reading:
    the probability to 3 decimals, profits to 2 (marketing.customer_risk keeps them exact). -#}
{% macro segment_columns(customers='customers') -%}
    {{ customers }}.customer_id,
    round({{ customers }}.decline_probability, 3) as decline_probability,
    {{ customers }}.risk_band,
    round({{ customers }}.profit, 2) as profit,
    {{ customers }}.profit_level,
    round({{ customers }}.profit_at_risk, 2) as profit_at_risk,
    {{ customers }}.favourite_category,
    {{ customers }}.promo_purchase_share,
    {{ customers }}.service_tier,
    {{ customers }}.allow_offers,
    {{ customers }}.marketing_contacts_6m_avg,
    {{ customers }}.pages_per_visit,
    {{ customers }}.unpaid_items_quarter,
    {{ customers }}.service_errors,
    {{ customers }}.top_reason_1,
    {{ customers }}.top_reason_2,
    {{ customers }}.top_reason_3
{%- endmacro %}

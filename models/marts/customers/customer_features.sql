with

active_customers as (
    select * from {{ ref('int_customers_active_all_periods') }}
),

features as (
    select
        ---------- ids
        customer_id,
        ---------- target
        activity_declined,
        ---------- categories
        service_tier,
        allow_offers,
        favourite_category,
        ---------- behaviour
        marketing_contacts_6m_avg,
        marketing_contacts_current_month,
        tenure_days,
        promo_purchase_share,
        categories_per_visit,
        unpaid_items_quarter,
        service_errors,
        pages_per_visit,
        ---------- revenue and site time per period
        revenue_month_before_previous,
        revenue_previous_month,
        revenue_current_month,
        has_imputed_revenue,
        minutes_previous_month,
        minutes_current_month,
        ---------- trends (var derived_features)
        {%- for name, expression in var('derived_features').items() %}
        {{ expression }} as {{ name }},
        {%- endfor %}
        ---------- value
        profit
    from active_customers
)

select * from features

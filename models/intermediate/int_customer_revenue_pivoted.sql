with

revenue as (
    select * from {{ ref('int_customer_revenue_imputed') }}
),

pivoted as (
    select
        customer_id,
        {%- for period in var('revenue_periods') %}
        max(revenue) filter (where period = '{{ period }}') as revenue_{{ period }},
        {%- endfor %}
        count(distinct period) as revenue_period_count,
        bool_or(is_revenue_imputed) as has_imputed_revenue
    from revenue
    group by customer_id
)

select * from pivoted

with

customers as (
    select * from {{ ref('stg_shop__customers') }}
),

revenue as (
    select * from {{ ref('int_customer_revenue_pivoted') }}
),

site_minutes as (
    select * from {{ ref('int_customer_site_minutes_pivoted') }}
),

profit as (
    select * from {{ ref('stg_shop__profit') }}
),

-- A customer is active when they brought revenue in every one of the delivered periods.
active_revenue as (
    select *
    from revenue
    where
        least(
            {%- for period in var('revenue_periods') %}
            coalesce(revenue_{{ period }}, 0){{ ',' if not loop.last }}
            {%- endfor %}
        ) > 0
),

joined as (
    select
        customers.* exclude (
            customers.service_tier_as_delivered, customers.favourite_category_as_delivered
        ),
        {%- for period in var('revenue_periods') %}
        active_revenue.revenue_{{ period }},
        {%- endfor %}
        active_revenue.has_imputed_revenue,
        {%- for period in var('site_time_periods') %}
        site_minutes.minutes_{{ period }},
        {%- endfor %}
        profit.profit
    from customers
    inner join active_revenue
        on customers.customer_id = active_revenue.customer_id
    left join site_minutes
        on customers.customer_id = site_minutes.customer_id
    left join profit
        on customers.customer_id = profit.customer_id
)

select * from joined

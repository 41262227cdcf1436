-- Every active customer has exactly one revenue row per revenue period and one site-time row per
-- site-time period in staging. Returns the customers that do not.
with

active as (
    select customer_id from {{ ref('int_customers_active_all_periods') }}
),

revenue_rows as (
    select
        customer_id,
        count(*) as row_count
    from {{ ref('stg_shop__revenue') }}
    group by customer_id
),

site_time_rows as (
    select
        customer_id,
        count(*) as row_count
    from {{ ref('stg_shop__site_minutes') }}
    group by customer_id
)

select
    active.customer_id,
    revenue_rows.row_count as revenue_rows,
    site_time_rows.row_count as site_time_rows
from active
left join revenue_rows on active.customer_id = revenue_rows.customer_id
left join site_time_rows on active.customer_id = site_time_rows.customer_id
where
    coalesce(revenue_rows.row_count, 0) != {{ var('revenue_periods') | length }}
    or coalesce(site_time_rows.row_count, 0) != {{ var('site_time_periods') | length }}

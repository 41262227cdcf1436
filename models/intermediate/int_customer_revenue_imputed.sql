-- An implausible delivered value (stg_shop__revenue.is_revenue_implausible, above var
-- max_plausible_monthly_revenue) is replaced by the mean of the customer's own plausible,
-- non-zero months, so the customer keeps their row (dropping them would lose a real, active
-- customer). Only the few customers with such a value need the mean.
with

revenue as (
    select * from {{ ref('stg_shop__revenue') }}
),

customers_to_impute as (
    select distinct customer_id
    from revenue
    where is_revenue_implausible
),

plausible_means as (
    select
        revenue.customer_id,
        avg(revenue.revenue_as_delivered) filter (
            where not revenue.is_revenue_implausible and revenue.revenue_as_delivered > 0
        ) as plausible_mean_revenue
    from revenue
    inner join customers_to_impute on revenue.customer_id = customers_to_impute.customer_id
    group by revenue.customer_id
),

imputed as (
    select
        revenue.customer_id,
        revenue.period,
        revenue.revenue_as_delivered,
        revenue.is_revenue_implausible as is_revenue_imputed,
        case
            when revenue.is_revenue_implausible then plausible_means.plausible_mean_revenue
            else revenue.revenue_as_delivered
        end as revenue
    from revenue
    left join plausible_means on revenue.customer_id = plausible_means.customer_id
)

select * from imputed

with

source as (
    select * from {{ shop_delivery('market_money') }}
),

renamed as (
    select
        ---------- ids
        cast(id as integer) as customer_id,
        ---------- categories
        {{ shop_period('"Период"') }} as period,
        trim("Период") as period_as_delivered,
        ---------- numerics
        cast("Выручка" as double) as revenue_as_delivered
    from source
),

flagged as (
    select
        *,
        revenue_as_delivered > {{ var('max_plausible_monthly_revenue') }} as is_revenue_imputed
    from renamed
),

-- An impossible value is replaced by the mean of the customer's own plausible, non-zero months,
-- so the customer keeps their row (dropping them would lose a real, active customer). Only the
-- few customers with such a value need the mean.
customers_to_impute as (
    select distinct customer_id
    from flagged
    where is_revenue_imputed
),

plausible_means as (
    select
        flagged.customer_id,
        avg(flagged.revenue_as_delivered) filter (
            where not flagged.is_revenue_imputed and flagged.revenue_as_delivered > 0
        ) as plausible_mean_revenue
    from flagged
    inner join customers_to_impute on flagged.customer_id = customers_to_impute.customer_id
    group by flagged.customer_id
),

imputed as (
    select
        flagged.customer_id,
        flagged.period,
        flagged.period_as_delivered,
        flagged.revenue_as_delivered,
        flagged.is_revenue_imputed,
        case
            when flagged.is_revenue_imputed then plausible_means.plausible_mean_revenue
            else flagged.revenue_as_delivered
        end as revenue
    from flagged
    left join plausible_means on flagged.customer_id = plausible_means.customer_id
)

select * from imputed

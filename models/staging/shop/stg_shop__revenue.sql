with

source as (
    select * from {{ shop_delivery('market_money') }}
),

renamed as (
    select
        ---------- ids
        id as customer_id,
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
-- so the customer keeps their row (dropping them would lose a real, active customer).
imputed as (
    select
        customer_id,
        period,
        period_as_delivered,
        revenue_as_delivered,
        is_revenue_imputed,
        case
            when is_revenue_imputed
                then avg(revenue_as_delivered) filter (
                    where not is_revenue_imputed and revenue_as_delivered > 0
                ) over (partition by customer_id)
            else revenue_as_delivered
        end as revenue
    from flagged
)

select * from imputed

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

-- a value no customer of the shop can reach is flagged here and imputed in
-- int_customer_revenue_imputed: staging keeps what was delivered
flagged as (
    select
        *,
        revenue_as_delivered > {{ var('max_plausible_monthly_revenue') }}
            as is_revenue_implausible
    from renamed
)

select * from flagged

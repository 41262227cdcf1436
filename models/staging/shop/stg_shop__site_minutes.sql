with

source as (
    select * from {{ shop_delivery('market_time') }}
),

renamed as (
    select
        ---------- ids
        cast(id as integer) as customer_id,
        ---------- categories
        {{ shop_period('"Период"') }} as period,
        trim("Период") as period_as_delivered,
        ---------- numerics
        cast("минут" as integer) as minutes
    from source
)

select * from renamed

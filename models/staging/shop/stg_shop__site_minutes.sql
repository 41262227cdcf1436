with

source as (
    select * from {{ source('shop', 'market_time') }}
),

renamed as (
    select
        ---------- ids
        id as customer_id,
        ---------- categories
        {{ shop_period('"Период"') }} as period,
        ---------- numerics
        cast("минут" as integer) as minutes
    from source
)

select * from renamed

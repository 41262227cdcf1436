with

source as (
    select * from {{ source('shop', 'market_time') }}
),

renamed as (
    select
        ---------- ids
        id as customer_id,
        ---------- categories
        {{ map_values(
            map_values('"Период"', shop_value_corrections()['Период']),
            shop_period_names(),
            keep_others=false,
        ) }} as period,
        ---------- numerics
        cast("минут" as integer) as minutes
    from source
)

select * from renamed

with

source as (
    select * from {{ shop_delivery('money') }}
),

renamed as (
    select
        ---------- ids
        id as customer_id,
        ---------- numerics
        -- the file writes decimals with a comma; a value that is not a number becomes null and
        -- fails the not_null test on profit, which names the column
        try_cast(replace(trim("Прибыль"), ',', '.') as double) as profit
    from source
)

select * from renamed

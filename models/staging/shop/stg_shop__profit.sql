with

source as (
    select * from {{ shop_delivery('money') }}
),

renamed as (
    select
        ---------- ids
        cast(id as integer) as customer_id,
        ---------- numerics
        -- the file writes decimals with a comma (the seed keeps them as text; a delivered file
        -- is read as a number already); a value that is not a number becomes null and fails the
        -- not_null test on profit, which names the column
        try_cast(replace(trim(cast("Прибыль" as varchar)), ',', '.') as double) as profit
    from source
)

select * from renamed

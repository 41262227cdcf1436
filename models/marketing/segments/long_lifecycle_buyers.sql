-- Customers whose favourite category is goods bought rarely (group long_lifecycle of var
-- shop_vocabulary.categories): a quiet quarter is their normal rhythm, so they need a different
-- contact plan.
with

customers as (
    select * from {{ ref('customer_risk_reasons') }}
),

segment as (
    select
        {{ segment_columns() }}
    from customers
    where customers.favourite_category in {{ sql_list(shop_categories('long_lifecycle')) }}
)

select * from segment

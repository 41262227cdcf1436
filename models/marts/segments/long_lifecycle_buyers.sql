-- Customers whose favourite category is goods bought rarely (var long_lifecycle_categories):
-- a quiet quarter is their normal rhythm, so they need a different contact plan.
with

customers as (
    select * from {{ ref('int_customers_scored') }}
),

segment as (
    select
        {{ segment_columns() }}
    from customers
    where favourite_category in ('{{ var("long_lifecycle_categories") | join("', '") }}')
)

select * from segment

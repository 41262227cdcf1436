-- Customers at risk (a band of var at_risk_bands) whose favourite category is kids' goods (group
-- kids of var shop_vocabulary.categories): a campaign in the category they come for.
with

customers as (
    select * from {{ ref('customer_risk_reasons') }}
),

segment as (
    select
        {{ segment_columns() }}
    from customers
    where
        customers.favourite_category in {{ sql_list(shop_categories('kids')) }}
        and customers.risk_band in {{ sql_list(var('at_risk_bands')) }}
)

select * from segment

-- Customers who buy for their children or for themselves: favourite category in the kids or
-- self_care group of var shop_vocabulary.categories («goods for oneself»: cosmetics and
-- accessories, beauty and health appliances; bought for personal use, regularly).
with

customers as (
    select * from {{ ref('customer_risk') }}
),

reasons as (
    select * from {{ ref('customer_reasons') }}
),

segment as (
    select
        {{ segment_columns() }},
        case
            when customers.favourite_category in {{ sql_list(shop_categories('kids')) }} then 'kids'
            else 'self_care'
        end as category_group
    from customers
    left join reasons on customers.customer_id = reasons.customer_id
    where
        customers.favourite_category in {{ sql_list(shop_categories('kids')) }}
        or customers.favourite_category in {{ sql_list(shop_categories('self_care')) }}
)

select * from segment

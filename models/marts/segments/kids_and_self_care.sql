-- Customers who buy for their children or for themselves: favourite category in
-- var kids_categories or var self_care_categories («goods for oneself»: cosmetics and
-- accessories, beauty and health appliances; bought for personal use, regularly).
with

customers as (
    select * from {{ ref('int_customers_scored') }}
),

segment as (
    select
        {{ segment_columns() }},
        case
            when favourite_category in ('{{ var("kids_categories") | join("', '") }}')
                then 'kids'
            else 'self_care'
        end as category_group
    from customers
    where
        favourite_category in ('{{ var("kids_categories") | join("', '") }}')
        or favourite_category in ('{{ var("self_care_categories") | join("', '") }}')  -- noqa: LT05
)

select * from segment

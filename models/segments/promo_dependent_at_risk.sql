-- High-risk customers who buy mostly on promotion (share at or above var promo_dependent_share):
-- they come for discounts and leave when there are none.
with

customers as (
    select * from {{ ref('customer_risk') }}
),

reasons as (
    select * from {{ ref('customer_reasons') }}
),

segment as (
    select
        {{ segment_columns() }}
    from customers
    left join reasons on customers.customer_id = reasons.customer_id
    where
        customers.risk_band = 'high'
        and customers.promo_purchase_share >= {{ var('promo_dependent_share') }}
)

select * from segment

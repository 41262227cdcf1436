-- High-risk customers who buy mostly on promotion (share at or above var promo_dependent_share):
-- they come for discounts and leave when there are none.
with

customers as (
    select * from {{ ref('customer_risk') }}
),

segment as (
    select
        {{ segment_columns() }}
    from customers
    where
        risk_band = 'high'
        and promo_purchase_share >= {{ var('promo_dependent_share') }}
)

select * from segment

-- Customers in the riskiest band (macro top_risk_band) who buy mostly on promotion (share at or
-- above var promo_dependent_share): they come for discounts and leave when there are none.
with

customers as (
    select * from {{ ref('customer_risk_reasons') }}
),

segment as (
    select
        {{ segment_columns() }}
    from customers
    where
        customers.risk_band = {{ top_risk_band() }}
        and customers.promo_purchase_share >= {{ var('promo_dependent_share') }}
)

select * from segment

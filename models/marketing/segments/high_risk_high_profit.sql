-- Customers the shop loses most by losing: in the riskiest band (macro top_risk_band) and with
-- profit in the top quantile (var high_profit_quantile).
with

customers as (
    select * from {{ ref('customer_risk_reasons') }}
),

segment as (
    select
        {{ segment_columns() }}
    from customers
    where customers.risk_band = {{ top_risk_band() }} and customers.profit_level = 'high'
)

select * from segment

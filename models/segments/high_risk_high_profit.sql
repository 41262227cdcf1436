-- Customers the shop loses most by losing: high probability of decline and profit in the top
-- quantile (var high_profit_quantile).
with

customers as (
    select * from {{ ref('customer_risk') }}
),

segment as (
    select
        {{ segment_columns() }}
    from customers
    where risk_band = 'high' and profit_level = 'high'
)

select * from segment

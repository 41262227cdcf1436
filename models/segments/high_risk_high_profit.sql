-- Customers the shop loses most by losing: high probability of decline and profit in the top
-- quantile (var high_profit_quantile).
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
    where customers.risk_band = 'high' and customers.profit_level = 'high'
)

select * from segment

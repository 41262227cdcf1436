-- Every scored customer in a cell of the risk band x profit level grid.
with

customers as (
    select * from {{ ref('customer_risk') }}
),

reasons as (
    select * from {{ ref('customer_reasons') }}
),

matrix as (
    select
        {{ segment_columns() }},
        customers.risk_band || '_risk_' || customers.profit_level || '_profit' as matrix_cell
    from customers
    left join reasons on customers.customer_id = reasons.customer_id
)

select * from matrix

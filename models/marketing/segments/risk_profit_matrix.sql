-- Every scored customer in a cell of the risk band x profit level grid.
with

customers as (
    select * from {{ ref('customer_risk_reasons') }}
),

matrix as (
    select
        {{ segment_columns() }},
        customers.risk_band || '_risk_' || customers.profit_level || '_profit' as matrix_cell
    from customers
)

select * from matrix

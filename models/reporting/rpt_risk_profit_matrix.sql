-- The risk band x profit level grid: customers and profit at risk per cell.
with

matrix as (
    select * from {{ ref('risk_profit_matrix') }}
),

cells as (
    select
        risk_band,
        profit_level,
        count(*) as customers,
        sum(profit_at_risk) as profit_at_risk
    from matrix
    group by risk_band, profit_level
),

ordered as (
    select *
    from cells
    order by risk_band asc, profit_level asc
)

select * from ordered

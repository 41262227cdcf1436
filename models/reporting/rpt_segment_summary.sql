-- Size, risk and money of every segment: targeted segments first, most at stake first.
with

summary as (
    select * from {{ ref('segment_summary') }}
),

ordered as (
    select
        segment_family,
        segment_name,
        customers,
        customer_share,
        mean_decline_probability,
        monthly_profit,
        profit_at_risk,
        profit_at_risk_share
    from summary
    order by segment_family desc, profit_at_risk desc, segment_name asc
)

select * from ordered

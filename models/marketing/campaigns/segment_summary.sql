-- Size, risk and money of every segment, beside the whole customer base.
with

customers as (
    select * from {{ ref('customer_risk') }}
),

memberships as (
    select * from {{ ref('segment_memberships') }}
),

segment_rows as (
    select
        memberships.segment_family,
        memberships.segment_name,
        customers.*
    from memberships
    inner join customers on memberships.customer_id = customers.customer_id
),

summary as (
    select
        segment_family,
        segment_name,
        count(*) as customers,
        count(*) / (select count(*) from customers) as customer_share,
        avg(decline_probability) as mean_decline_probability,
        sum(profit) as monthly_profit,
        sum(profit_at_risk) as profit_at_risk,
        sum(profit_at_risk)
        / (select sum(customers.profit_at_risk) from customers) as profit_at_risk_share
    from segment_rows
    group by segment_family, segment_name
)

select * from summary

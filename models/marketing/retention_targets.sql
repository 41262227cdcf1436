-- Every scored customer ranked by expected profit at risk over the next months (var
-- profit_at_risk_months), so marketing can work down the list until the budget runs out. The top
-- reasons come from customer_reasons, which explains the first var reasons_top_n of this list:
-- null further down.
with

customers as (
    select * from {{ ref('customer_risk') }}
),

reasons as (
    select * from {{ ref('customer_reasons') }}
),

memberships as (
    select * from {{ ref('segment_memberships') }}
),

customer_segments as (
    select
        customer_id,
        string_agg(segment_name, ', ' order by segment_name) as segments
    from memberships
    where segment_family = 'targeted'
    group by customer_id
),

ranked as (
    select
        row_number() over (
            order by customers.profit_at_risk desc, customers.customer_id asc
        ) as priority_rank,
        customers.customer_id,
        customers.decline_probability,
        customers.risk_band,
        customers.profit,
        customers.profit_at_risk,
        sum(customers.profit_at_risk) over (
            order by customers.profit_at_risk desc, customers.customer_id asc
            rows between unbounded preceding and current row
        ) as cumulative_profit_at_risk,
        customers.allow_offers,
        customers.favourite_category,
        reasons.top_reason_1,
        reasons.top_reason_2,
        reasons.top_reason_3,
        coalesce(customer_segments.segments, '') as segments
    from customers
    left join reasons on customers.customer_id = reasons.customer_id
    left join customer_segments on customers.customer_id = customer_segments.customer_id
)

select * from ranked

-- How much of the profit at risk a campaign down to each rank covers.
with

targets as (
    select * from {{ ref('retention_targets') }}
),

ordered as (
    select
        priority_rank,
        cumulative_profit_at_risk
    from targets
    order by priority_rank
)

select * from ordered

-- How much of the profit at risk a campaign down to each rank covers: every rank, or every k-th
-- of them (k so that about var report_curve_points remain), always with the first and the last.
with

targets as (
    select * from {{ ref('retention_targets') }}
),

stepped as (
    select
        priority_rank,
        cumulative_profit_at_risk,
        greatest(1, ceil(count(*) over () / {{ var('report_curve_points') }})) as step,
        count(*) over () as last_rank
    from targets
),

ordered as (
    select
        priority_rank,
        cumulative_profit_at_risk
    from stepped
    where priority_rank % step = 0 or priority_rank in (1, last_rank)
    order by priority_rank
)

select * from ordered

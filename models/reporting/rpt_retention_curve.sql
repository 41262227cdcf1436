-- How much of the contact list's profit at risk (marketing.contact_list, the customers the
-- marketer receives) a campaign down to each place covers: every place, or every k-th of them (k
-- so that about var report_curve_points remain), always with the first and the last, whose
-- running total is the list's total.
with

targets as (
    select * from {{ ref('contact_list') }}
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

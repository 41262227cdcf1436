-- The recommendation of every segment: targeted segments first, most at stake first.
with

recommendations as (
    select * from {{ ref('segment_recommendations') }}
),

ordered as (
    select
        segment_family,
        segment_name,
        customers,
        profit_at_risk,
        lever_1,
        lever_2,
        recommendation
    from recommendations
    order by segment_family desc, profit_at_risk desc, segment_name asc
)

select * from ordered

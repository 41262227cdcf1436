-- The recommendation of every segment: targeted segments first, the most profit kept if its lever
-- works first (the report's first screen shows the first three).
with

recommendations as (
    select * from {{ ref('segment_recommendations') }}
),

ordered as (
    select
        segment_family,
        segment_name,
        customers,
        round(profit_at_risk, 2) as profit_at_risk,
        lever_1,
        lever_2,
        targeted_customers,
        targeted_with_consent,
        round(targeted_profit_at_risk, 2) as targeted_profit_at_risk,
        round(expected_profit_kept_low, 2) as expected_profit_kept_low,
        round(expected_profit_kept, 2) as expected_profit_kept,
        round(expected_profit_kept_high, 2) as expected_profit_kept_high,
        profit_kept_basis,
        headline_ru,
        headline_en,
        recommendation_ru,
        recommendation_en
    from recommendations
    order by
        segment_family desc, expected_profit_kept desc, profit_at_risk desc, segment_name asc
)

select * from ordered

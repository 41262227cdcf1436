-- The full contact list of the month, as the marketer receives it: every customer of
-- marketing.contact_list (at risk, allow offers), places 1..N, with the next best action.
-- Written beside the report as contact_list.csv and contact_list.en.csv.
with

contact_list as (
    select * from {{ ref('contact_list') }}
),

ordered as (
    select
        priority_rank,
        customer_id,
        decline_probability,
        risk_band,
        profit,
        profit_at_risk,
        cumulative_profit_at_risk,
        favourite_category,
        action_code,
        action_ru,
        action_en,
        action_reason_ru,
        action_reason_en,
        reasons_ru,
        reasons_en,
        context_ru,
        context_en,
        segments,
        segments_ru,
        segments_en
    from contact_list
    order by priority_rank
)

select * from ordered

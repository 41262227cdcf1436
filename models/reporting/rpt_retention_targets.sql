-- The top of the contact list (marketing.contact_list: at risk, allow offers), as the report
-- shows it (var report_targets_shown), with the next best action.
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
        allow_offers,
        favourite_category,
        action_code,
        action_ru,
        action_en,
        action_reason_code,
        action_reason_ru,
        action_reason_en,
        top_reason_1,
        top_reason_2,
        top_reason_3,
        reasons_ru,
        reasons_en,
        context_ru,
        context_en,
        segments,
        segments_ru,
        segments_en
    from contact_list
    where priority_rank <= {{ var('report_targets_shown') }}
    order by priority_rank
)

select * from ordered

-- The top of the site list (marketing.site_list: at risk, no consent), as the report shows it
-- (var report_targets_shown): the site is the only channel that reaches them, so their actions
-- need no consent.
with

site_list as (
    select * from {{ ref('site_list') }}
),

ordered as (
    select
        priority_rank,
        customer_id,
        decline_probability,
        risk_band,
        profit_at_risk,
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
        segments_ru,
        segments_en
    from site_list
    where priority_rank <= {{ var('report_targets_shown') }}
    order by priority_rank
)

select * from ordered

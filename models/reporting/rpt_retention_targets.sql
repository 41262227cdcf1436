-- The top of the contact list (customers who allow offers), as the report shows it.
with

targets as (
    select * from {{ ref('retention_targets') }}
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
        top_reason_1,
        top_reason_2,
        top_reason_3,
        reasons_ru,
        reasons_en,
        segments
    from targets
    where priority_rank <= {{ var('report_targets_shown') }}
    order by priority_rank
)

select * from ordered

-- The top of the at-risk customers who do not allow offers, as the report shows them (var
-- report_targets_shown): the site is the only channel that reaches them.
with

targets as (
    select * from {{ ref('site_personalisation_targets') }}
),

ordered as (
    select
        priority_rank,
        customer_id,
        decline_probability,
        risk_band,
        profit_at_risk,
        favourite_category,
        reasons_ru,
        reasons_en
    from targets
    where priority_rank <= {{ var('report_targets_shown') }}
    order by priority_rank
)

select * from ordered

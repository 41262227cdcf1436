-- The full contact list of the month: the customers of retention_targets (who allow offers) who
-- are at risk (a band of var at_risk_bands), in rank order. Written beside the report as
-- contact_list.csv and contact_list.en.csv.
with

targets as (
    select * from {{ ref('retention_targets') }}
),

at_risk as (
    select
        priority_rank,
        customer_id,
        decline_probability,
        risk_band,
        profit,
        profit_at_risk,
        cumulative_profit_at_risk,
        favourite_category,
        reasons_ru,
        reasons_en,
        segments
    from targets
    where risk_band in {{ sql_list(var('at_risk_bands')) }}
    order by priority_rank
)

select * from at_risk

-- The customers with the most profit who entered the riskiest band (macro top_risk_band) since
-- the previous month of the score history (history.previous_month_scores; they were in another
-- band then): the first var report_entrants_shown by monthly profit.
with

previous_month as (
    select * from {{ ref('previous_month_scores') }}
),

risk as (
    select * from {{ ref('customer_risk_reasons') }}
),

entrants as (
    select
        risk.customer_id,
        previous_month.month as previous_month,
        previous_month.risk_band as previous_risk_band,
        previous_month.decline_probability as previous_decline_probability,
        risk.decline_probability,
        risk.profit,
        risk.profit_at_risk,
        risk.top_reason_1,
        risk.top_reason_2,
        risk.top_reason_3,
        risk.reasons_ru,
        risk.reasons_en
    from risk
    inner join previous_month on risk.customer_id = previous_month.customer_id
    where
        risk.risk_band = {{ top_risk_band() }}
        and previous_month.risk_band <> {{ top_risk_band() }}
),

ranked as (
    select
        row_number() over (order by profit desc, customer_id asc) as profit_rank,
        *
    from entrants
),

shown as (
    select *
    from ranked
    where profit_rank <= {{ var('report_entrants_shown') }}
    order by profit_rank
)

select * from shown

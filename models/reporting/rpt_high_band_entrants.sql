-- The customers with the most profit who entered the high risk band since the latest earlier
-- month of the score history (they were in another band then): the first
-- var report_entrants_shown by monthly profit.
with

history as (
    select * from {{ ref('customer_score_history') }}
),

risk as (
    select * from {{ ref('customer_risk') }}
),

reasons as (
    select * from {{ ref('customer_reasons') }}
),

previous_month_name as (
    select max(month) as previous_month
    from history
    where month < '{{ var("delivery_month") }}'
),

previous_month as (
    select
        history.customer_id,
        history.month,
        history.risk_band,
        history.decline_probability
    from history
    inner join previous_month_name on history.month = previous_month_name.previous_month
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
        reasons.top_reason_1,
        reasons.top_reason_2,
        reasons.top_reason_3,
        reasons.reasons_ru,
        reasons.reasons_en
    from risk
    inner join previous_month on risk.customer_id = previous_month.customer_id
    left join reasons on risk.customer_id = reasons.customer_id
    where risk.risk_band = 'high' and previous_month.risk_band <> 'high'
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

-- This build's month of the score history: every scored customer with the model behind the
-- score and the top reasons (null beyond the customers marketing.customer_reasons explains).
-- The refresh writes it to warehouse/history/month=<month>/scores.parquet when it publishes.
with

scores as (
    select * from {{ ref('customer_scores') }}
),

reasons as (
    select * from {{ ref('customer_reasons') }}
),

month_scores as (
    select
        scores.customer_id,
        scores.month,
        scores.decline_probability,
        scores.risk_band,
        reasons.top_reason_1,
        reasons.top_reason_2,
        reasons.top_reason_3,
        scores.model_version,
        scores.training_month
    from scores
    left join reasons on scores.customer_id = reasons.customer_id
)

select * from month_scores

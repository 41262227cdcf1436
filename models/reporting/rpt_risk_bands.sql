-- The risk bands: how many customers each holds and its range of probabilities.
with

scores as (
    select * from {{ ref('customer_scores') }}
),

bands as (
    select
        risk_band,
        count(*) as customers,
        min(decline_probability) as min_probability,
        max(decline_probability) as max_probability
    from scores
    group by risk_band
),

ordered as (
    select *
    from bands
    order by min_probability asc, risk_band asc
)

select * from ordered

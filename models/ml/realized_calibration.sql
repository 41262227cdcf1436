-- The realized calibration of an earlier month's scores (realized_scores) against this
-- delivery's label: the probabilities cut into var realized_calibration_bins bins of equal
-- width, each with its customers, mean predicted probability and the share that really
-- declined. Empty bins are left out; empty when no outcome has arrived.
{%- set bins = var('realized_calibration_bins') %}
with

scores as (
    select * from {{ ref('realized_scores') }}
),

outcomes as (
    select * from {{ ref('customer_features') }}
),

binned as (
    select
        scores.score_month,
        least(floor(scores.decline_probability * {{ bins }}), {{ bins }} - 1) + 1
            as probability_bin,
        scores.decline_probability,
        outcomes.activity_declined
    from scores
    inner join outcomes on scores.customer_id = outcomes.customer_id
    where outcomes.activity_declined is not null
),

calibration as (
    select
        score_month,
        cast(probability_bin as integer) as probability_bin,
        (probability_bin - 1) / {{ bins }} as probability_from,
        probability_bin / {{ bins }} as probability_to,
        count(*) as customers,
        avg(decline_probability) as mean_decline_probability,
        avg(cast(activity_declined as double)) as declined_share
    from binned
    group by score_month, probability_bin
)

select * from calibration

-- The realized calibration table of an earlier month's scores (ml.realized_calibration): per
-- probability bin, the mean predicted probability against the share that really declined.
with

calibration as (
    select * from {{ ref('realized_calibration') }}
),

ordered as (
    select
        score_month,
        probability_bin,
        probability_from,
        probability_to,
        customers,
        round(mean_decline_probability, 4) as mean_decline_probability,
        round(declined_share, 4) as declined_share
    from calibration
    order by score_month desc, probability_bin asc
)

select * from ordered

-- How right an earlier month's scores were, now that their outcome arrived
-- (ml.realized_performance), with its quality bar; rates to 4 decimals.
with

performance as (
    select * from {{ ref('realized_performance') }}
),

ordered as (
    select
        score_month,
        outcome_month,
        scored_customers,
        matched_customers,
        round(declined_share, 4) as declined_share,
        round(mean_decline_probability, 4) as mean_decline_probability,
        round(roc_auc, 4) as roc_auc,
        high_band_customers,
        round(high_band_declined_share, 4) as high_band_declined_share,
        min_roc_auc,
        below_quality_bar
    from performance
    order by score_month desc
)

select * from ordered

-- How right the scores of an earlier month were, now that their outcome arrived: the scores of
-- realized_scores against this delivery's label of the same customers. ROC-AUC by the
-- Mann-Whitney statistic (average ranks for tied probabilities), the share of the riskiest
-- band that really declined, and the quality bar of the build (var min_selected_roc_auc): a
-- realized ROC-AUC below it recommends retraining (the refresh says so). One row per score
-- month whose outcome arrived; empty when none has.
with

scores as (
    select * from {{ ref('realized_scores') }}
),

outcomes as (
    select * from {{ ref('customer_features') }}
),

scored as (
    select
        score_month,
        count(*) as scored_customers
    from scores
    group by score_month
),

matched as (
    select
        scores.score_month,
        scores.customer_id,
        scores.decline_probability,
        scores.risk_band,
        outcomes.activity_declined,
        rank() over (
            partition by scores.score_month order by scores.decline_probability
        ) + (
            count(*) over (
                partition by scores.score_month, scores.decline_probability
            ) - 1
        ) / 2.0 as probability_rank
    from scores
    inner join outcomes on scores.customer_id = outcomes.customer_id
    where outcomes.activity_declined is not null
),

performance as (
    select
        matched.score_month,
        count(*) as matched_customers,
        count(*) filter (where matched.activity_declined) as declined_customers,
        avg(cast(matched.activity_declined as double)) as declined_share,
        avg(matched.decline_probability) as mean_decline_probability,
        (
            sum(matched.probability_rank) filter (where matched.activity_declined)
            - count(*) filter (where matched.activity_declined)
            * (count(*) filter (where matched.activity_declined) + 1) / 2.0
        ) / nullif(
            count(*) filter (where matched.activity_declined)
            * count(*) filter (where not matched.activity_declined),
            0
        ) as roc_auc,
        count(*) filter (where matched.risk_band = {{ top_risk_band() }})
            as high_band_customers,
        avg(cast(matched.activity_declined as double)) filter (
            where matched.risk_band = {{ top_risk_band() }}
        ) as high_band_declined_share
    from matched
    group by matched.score_month
),

judged as (
    select
        performance.score_month,
        cast('{{ var("delivery_month") }}' as varchar) as outcome_month,
        scored.scored_customers,
        performance.matched_customers,
        performance.declined_customers,
        performance.declined_share,
        performance.mean_decline_probability,
        performance.roc_auc,
        performance.high_band_customers,
        performance.high_band_declined_share,
        cast({{ var('min_selected_roc_auc') }} as double) as min_roc_auc,
        coalesce(performance.roc_auc < {{ var('min_selected_roc_auc') }}, false)
            as below_quality_bar
    from performance
    inner join scored on performance.score_month = scored.score_month
)

select * from judged

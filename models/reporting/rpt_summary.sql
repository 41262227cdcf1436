-- The report's opening figures, one row: the selected model and what is at stake.
with

leaderboard as (
    select * from {{ ref('model_leaderboard') }}
),

customers as (
    select * from {{ ref('customer_risk') }}
),

selected as (
    select
        model_family as selected_model,
        oof_roc_auc as selected_oof_roc_auc,
        cv_roc_auc_mean as selected_cv_roc_auc_mean,
        cv_roc_auc_std as selected_cv_roc_auc_std,
        holdout_roc_auc as selected_holdout_roc_auc
    from leaderboard
    where is_selected
),

totals as (
    select
        count(*) as customers,
        avg(cast(activity_declined as integer)) as declined_share,
        sum(profit) as monthly_profit,
        sum(profit_at_risk) as profit_at_risk,
        count(*) filter (where risk_band = 'high') as high_risk_customers,
        coalesce(sum(profit) filter (where risk_band = 'high'), 0) as high_risk_monthly_profit,
        coalesce(sum(profit_at_risk) filter (where risk_band = 'high'), 0)
            as high_risk_profit_at_risk
    from customers
),

summary as (
    select
        selected.*,
        totals.*,
        'high' as high_risk_band,
        {{ var('risk_band_high') }} as risk_band_high,
        {{ var('profit_at_risk_months') }} as profit_at_risk_months
    from selected
    cross join totals
)

select * from summary

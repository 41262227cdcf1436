-- The report's opening figures, one row: whom to contact this month and what is at stake among
-- them, the at-risk customers without consent, the selected model, the month scored, the model
-- behind the scores (trained in this build or kept from an earlier month) and how many features
-- drifted since its training.
{%- set at_risk = 'risk_band in ' ~ sql_list(var('at_risk_bands')) %}

with

leaderboard as (
    select * from {{ ref('model_leaderboard') }}
),

kept_model as (
    select * from {{ ref('churn_model') }}
),

drift as (
    select * from {{ ref('feature_drift') }}
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
        count(*) filter (where risk_band = {{ top_risk_band() }}) as high_risk_customers,
        coalesce(sum(profit_at_risk) filter (where risk_band = {{ top_risk_band() }}), 0)
            as high_risk_profit_at_risk,
        count(*) filter (where {{ at_risk }} and allow_offers) as contact_customers,
        coalesce(sum(profit_at_risk) filter (where {{ at_risk }} and allow_offers), 0)
            as contact_profit_at_risk,
        count(*) filter (where {{ at_risk }} and not allow_offers) as site_only_customers,
        coalesce(sum(profit_at_risk) filter (where {{ at_risk }} and not allow_offers), 0)
            as site_only_profit_at_risk
    from customers
),

drift_totals as (
    select
        count(*) filter (where drifted) as drifted_features,
        max(psi) as max_psi
    from drift
),

model_month as (
    select
        '{{ var("delivery_month") }}' as score_month,
        kept_model.version as model_version,
        kept_model.training_month as model_training_month,
        kept_model.trained_in_this_build as model_trained_in_this_build,
        drift_totals.drifted_features,
        drift_totals.max_psi
    from kept_model
    cross join drift_totals
),

summary as (
    select
        selected.*,
        totals.*,
        model_month.*,
        {{ top_risk_band() }} as high_risk_band,
        -- the lowest probability of the riskiest band
        {{ var('risk_bands').values() | first }} as top_risk_band_from,
        {{ var('profit_at_risk_months') }} as profit_at_risk_months,
        cast({{ var('lever_success_share') }} as double) as lever_success_share
    from selected
    cross join totals
    cross join model_month
)

select * from summary

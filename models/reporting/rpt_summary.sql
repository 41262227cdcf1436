-- The report's opening figures, one row: whom to contact this month and what is at stake among
-- them (from marketing.contact_list), the at-risk customers without consent (site_list), the
-- targeted segments' at-risk customers counted once each, the selected model, the month
-- scored, the model behind the scores (trained in this build or kept from an earlier month) and
-- how many features drifted since its training.
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

contact_list as (
    select * from {{ ref('contact_list') }}
),

site_list as (
    select * from {{ ref('site_list') }}
),

memberships as (
    select * from {{ ref('segment_memberships') }}
),

-- the lists' figures come from the lists themselves, so that every number about them agrees
list_totals as (
    select
        (select count(*) from contact_list) as contact_customers,
        (select coalesce(max(cumulative_profit_at_risk), 0) from contact_list)
            as contact_profit_at_risk,
        (select count(*) from site_list) as site_only_customers,
        (select coalesce(max(cumulative_profit_at_risk), 0) from site_list)
            as site_only_profit_at_risk
),

-- the targeted segments overlap: their at-risk customers counted once each
targeted_customers as (
    select distinct
        customers.customer_id,
        customers.allow_offers,
        customers.profit_at_risk
    from memberships
    inner join customers on memberships.customer_id = customers.customer_id
    where
        memberships.segment_family = 'targeted'
        and customers.{{ at_risk }}
),

targeted_totals as (
    select
        count(*) as targeted_segments_customers,
        coalesce(sum(profit_at_risk), 0) as targeted_segments_profit_at_risk,
        count(*) filter (where allow_offers) as targeted_segments_with_consent,
        coalesce(sum(profit_at_risk) filter (where allow_offers), 0)
            as targeted_segments_reachable_profit_at_risk
    from targeted_customers
),

selected as (
    select
        model_family as selected_model,
        oof_roc_auc as selected_oof_roc_auc,
        -- the interval the quality gate judges (one_click.ml.gate), with the bar below
        oof_roc_auc_lower as selected_oof_roc_auc_lower,
        oof_roc_auc_upper as selected_oof_roc_auc_upper,
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
            as high_risk_profit_at_risk
    from customers
),

drift_totals as (
    select
        count(*) filter (where drifted) as drifted_features,
        max(psi) as max_psi
    from drift
),

{% set quality_gate_note = var("quality_gate_note") | replace("'", "''") %}

model_month as (
    select
        '{{ var("delivery_month") }}' as score_month,
        kept_model.version as model_version,
        kept_model.training_month as model_training_month,
        kept_model.trained_in_this_build as model_trained_in_this_build,
        -- a new model failed the quality gate and the kept model scored the month instead
        nullif('{{ quality_gate_note }}', '') as quality_gate_note,
        drift_totals.drifted_features,
        drift_totals.max_psi
    from kept_model
    cross join drift_totals
),

summary as (
    select
        selected.*,
        totals.*,
        list_totals.*,
        targeted_totals.*,
        model_month.*,
        {{ top_risk_band() }} as high_risk_band,
        -- the lowest probability of the riskiest band
        {{ var('risk_bands').values() | first }} as top_risk_band_from,
        {{ var('profit_at_risk_months') }} as profit_at_risk_months,
        cast({{ var('lever_success_share') }} as double) as lever_success_share,
        cast({{ var('lever_success_share_range')['low'] }} as double) as lever_success_share_low,
        cast({{ var('lever_success_share_range')['high'] }} as double)
            as lever_success_share_high,
        cast({{ var('min_selected_roc_auc') }} as double) as min_selected_roc_auc
    from selected
    cross join totals
    cross join list_totals
    cross join targeted_totals
    cross join model_month
)

select * from summary

-- The model's quality in plain words, out of fold (customers scored by a model that never trained
-- on them, ml.customer_scores.score_kind 'out_of_fold'), against what really happened
-- (activity_declined): of the riskiest band, the share that really bought less; of all who
-- bought less, the share the at-risk bands catch, the share the contact list reaches (the
-- customers the marketers receive: at risk, allowing offers, not held back), how many are in the
-- control group and how many are at risk without consent. One row; the shares are null when no
-- customer was scored out of fold (a month scored with the kept model).
{%- set at_risk = 'risk_band in ' ~ sql_list(var('at_risk_bands')) %}

with

scores as (
    select * from {{ ref('customer_scores') }}
),

customers as (
    select * from {{ ref('customer_risk') }}
),

contact_list as (
    select * from {{ ref('contact_list') }}
),

control_group as (
    select * from {{ ref('control_group') }}
),

out_of_fold as (
    select
        scores.risk_band,
        customers.activity_declined,
        customers.allow_offers,
        contact_list.customer_id is not null as on_contact_list,
        control_group.customer_id is not null as in_control_group
    from scores
    inner join customers on scores.customer_id = customers.customer_id
    left join contact_list on scores.customer_id = contact_list.customer_id
    left join control_group on scores.customer_id = control_group.customer_id
    where scores.score_kind = 'out_of_fold'
),

counts as (
    select
        count(*) as out_of_fold_customers,
        count(*) filter (where risk_band = {{ top_risk_band() }}) as high_band_customers,
        count(*) filter (
            where risk_band = {{ top_risk_band() }} and activity_declined
        ) as high_band_declined,
        count(*) filter (where activity_declined) as declined_customers,
        count(*) filter (where activity_declined and {{ at_risk }}) as declined_at_risk,
        count(*) filter (where activity_declined and on_contact_list) as declined_on_contact_list,
        count(*) filter (where activity_declined and in_control_group) as declined_in_control_group,
        count(*) filter (
            where activity_declined and {{ at_risk }} and not allow_offers
        ) as declined_at_risk_without_consent
    from out_of_fold
),

quality as (
    select
        out_of_fold_customers,
        high_band_customers,
        high_band_declined,
        high_band_declined / nullif(high_band_customers, 0) as high_band_declined_share,
        declined_customers,
        declined_at_risk,
        declined_at_risk / nullif(declined_customers, 0) as declined_at_risk_share,
        declined_on_contact_list,
        declined_on_contact_list / nullif(declined_customers, 0)
            as declined_on_contact_list_share,
        declined_in_control_group,
        declined_at_risk_without_consent,
        declined_at_risk_without_consent / nullif(declined_customers, 0)
            as declined_at_risk_without_consent_share
    from counts
)

select * from quality

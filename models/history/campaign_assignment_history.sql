-- Every published month's campaign assignment: this build's month from
-- marketing.campaign_assignment, every earlier one from the Parquet history beside the published
-- warehouse (history/month=YYYY-MM/assignment.parquet; var assignment_months, passed by the
-- refresh, lists the months holding one besides this build's). A plain `dbt build` has this
-- month only.
{%- set months = var('assignment_months') | reject('equalto', var('delivery_month')) | list %}
{%- set columns = [
        'month',
        'customer_id',
        'arm',
        'action_code',
        'decline_probability',
        'risk_band',
        'profit',
        'profit_at_risk',
        'segments'
] %}
with

this_month as (
    select * from {{ ref('campaign_assignment') }}
),

history as (
    {{ published_months('this_month', months, 'assignment.parquet', columns) }}
)

select * from history

-- Every published month's campaign results: what the earlier campaigns changed, as read from
-- each month's delivery. This build's month from marketing.campaign_results, every earlier one
-- from the Parquet history beside the published warehouse
-- (history/month=YYYY-MM/campaign_results.parquet, the folder naming the outcome month; var
-- campaign_results_months, passed by the refresh, lists the months holding one besides this
-- build's). A plain `dbt build` has this month only.
{%- set months = var('campaign_results_months') | reject('equalto', var('delivery_month')) | list %}
{%- set columns = [
        'campaign_month',
        'outcome_month',
        'outcome_read',
        'outcome',
        'group_level',
        'group_name',
        'contacted_customers',
        'control_customers',
        'contacted_value',
        'control_value',
        'difference',
        'difference_low',
        'difference_high',
        'interval_method',
        'minimal_detectable_effect',
        'is_informative',
        'success_share',
        'success_share_low',
        'success_share_high',
        'profit_base',
        'profit_kept',
        'profit_kept_low',
        'profit_kept_high'
] %}
with

this_month as (
    select * from {{ ref('campaign_results') }}
),

history as (
    {{ published_months(
        'this_month', months, 'campaign_results.parquet', columns, month_as='outcome_month'
    ) }}
)

select * from history

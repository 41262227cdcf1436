-- Every published month's campaign results: what the earlier campaigns changed, as read from
-- each month's delivery. This build's month from marketing.campaign_results, every earlier one
-- from the Parquet history beside the published warehouse
-- (history/month=YYYY-MM/campaign_results.parquet, the folder naming the outcome month; var
-- campaign_results_months, passed by the refresh, lists the months holding one besides this
-- build's). A plain `dbt build` has this month only.
{%- set months = var('campaign_results_months') | reject('equalto', var('delivery_month')) | list %}
with

this_month as (
    select * from {{ ref('campaign_results') }}
),

earlier_months as (
    {%- if months %}
    select
        * exclude (month),
        month as outcome_month
    from
        read_parquet(
            [
                {%- for month in months %}
                    {{ history_file(month, 'campaign_results.parquet') }}
                    {{- "," if not loop.last }}
                {%- endfor %}
            ],
            hive_partitioning = true,
            hive_types_autocast = false
        )
    {%- else %}
    select * from this_month
    where false
    {%- endif %}
),

history as (
    select
        campaign_month,
        outcome_month,
        outcome_read,
        outcome,
        group_level,
        group_name,
        contacted_customers,
        control_customers,
        contacted_value,
        control_value,
        difference,
        difference_low,
        difference_high,
        interval_method,
        minimal_detectable_effect,
        is_informative,
        success_share,
        success_share_low,
        success_share_high,
        profit_base,
        profit_kept,
        profit_kept_low,
        profit_kept_high
    from this_month
    union all
    select
        campaign_month,
        outcome_month,
        outcome_read,
        outcome,
        group_level,
        group_name,
        contacted_customers,
        control_customers,
        contacted_value,
        control_value,
        difference,
        difference_low,
        difference_high,
        interval_method,
        minimal_detectable_effect,
        is_informative,
        success_share,
        success_share_low,
        success_share_high,
        profit_base,
        profit_kept,
        profit_kept_low,
        profit_kept_high
    from earlier_months
)

select * from history

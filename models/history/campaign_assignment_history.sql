-- Every published month's campaign assignment: this build's month from
-- marketing.campaign_assignment, every earlier one from the Parquet history beside the published
-- warehouse (history/month=YYYY-MM/assignment.parquet; var assignment_months, passed by the
-- refresh, lists the months holding one besides this build's). A plain `dbt build` has this
-- month only.
{%- set months = var('assignment_months') | reject('equalto', var('delivery_month')) | list %}
with

this_month as (
    select * from {{ ref('campaign_assignment') }}
),

earlier_months as (
    {%- if months %}
    select *
    from
        read_parquet(
            [
                {%- for month in months %}
                    {{ history_file(month, 'assignment.parquet') }}
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
        month,
        customer_id,
        arm,
        action_code,
        decline_probability,
        risk_band,
        profit,
        profit_at_risk,
        segments
    from this_month
    union all
    select
        month,
        customer_id,
        arm,
        action_code,
        decline_probability,
        risk_band,
        profit,
        profit_at_risk,
        segments
    from earlier_months
)

select * from history

-- Every published month's scores: this build's month from monthly_scores, every other month
-- from the Parquet history beside the published warehouse (var history_dir, the absolute path
-- of the link warehouse/history; var history_months, the months it holds besides this one).
-- Both vars are passed by the refresh; a plain `dbt build` has this month only.
{%- set months = var('history_months') %}
with

this_month as (
    select * from {{ ref('monthly_scores') }}
),

earlier_months as (
    {%- if months %}
    select *
    from
        read_parquet(
            [
                {%- for month in months %}
                    '{{ var("history_dir") }}/month={{ month }}/scores.parquet'
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
        customer_id,
        month,
        decline_probability,
        risk_band,
        top_reason_1,
        top_reason_2,
        top_reason_3,
        model_version,
        training_month
    from this_month
    union all
    select
        customer_id,
        month,
        decline_probability,
        risk_band,
        top_reason_1,
        top_reason_2,
        top_reason_3,
        model_version,
        training_month
    from earlier_months
)

select * from history

-- Every published month's scores: this build's month from monthly_scores, every other month
-- from the Parquet history beside the published warehouse (var history_dir, the absolute path
-- of the link warehouse/history; var history_months, the months it holds besides this one).
-- Both vars are passed by the refresh; a plain `dbt build` has this month only.
{%- set months = var('history_months') %}
{%- set columns = [
        'customer_id',
        'month',
        'decline_probability',
        'risk_band',
        'top_reason_1',
        'top_reason_2',
        'top_reason_3',
        'model_version',
        'training_month'
] %}
with

this_month as (
    select * from {{ ref('monthly_scores') }}
),

history as (
    {{ published_months('this_month', months, 'scores.parquet', columns) }}
)

select * from history

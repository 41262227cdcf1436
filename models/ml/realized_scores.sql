-- The scores of the month whose outcome this delivery holds: the month var
-- profit_at_risk_months before this build's (the label speaks of those months), read from the
-- published score history (history/month=YYYY-MM/scores.parquet, var history_months). Empty when
-- the history lacks that month (the first months, a plain `dbt build`).
{%- set score_month = month_before(var('delivery_month'), var('profit_at_risk_months')) | trim %}
with

scores as (
    {%- if score_month in var('history_months') %}
    select
        cast(month as varchar) as score_month,
        cast(customer_id as integer) as customer_id,
        cast(decline_probability as double) as decline_probability,
        cast(risk_band as varchar) as risk_band
    from
        read_parquet(
            {{ history_file(score_month, 'scores.parquet') }},
            hive_partitioning = true,
            hive_types_autocast = false
        )
    {%- else %}
    select
        cast(null as varchar) as score_month,
        cast(null as integer) as customer_id,
        cast(null as double) as decline_probability,
        cast(null as varchar) as risk_band
    where false
    {%- endif %}
)

select * from scores

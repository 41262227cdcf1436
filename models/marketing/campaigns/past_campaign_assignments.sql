-- The assignments of the earlier campaigns whose outcome this delivery holds, read from the
-- published history (history/month=YYYY-MM/assignment.parquet): the final read, the campaign of
-- var profit_at_risk_months months ago (the label speaks of those months), and the early read,
-- the campaign of var early_read_months months ago (its current month's revenue). A campaign
-- month the history lacks (var assignment_months, passed by the refresh) is not read: with no
-- earlier campaign (the first month, a plain `dbt build`) the relation is empty.
{%- set month = var('delivery_month') %}
{%- set after = {'final': var('profit_at_risk_months'), 'early': var('early_read_months')} %}
{%- set reads = [] %}
{%- for read in ['final', 'early'] %}
{%- set campaign_month = month_before(month, after[read]) | trim %}
{%- if campaign_month in var('assignment_months') %}
{%- do reads.append((read, campaign_month)) %}
{%- endif %}
{%- endfor %}
with

assignments as (
    {%- for read, campaign_month in reads %}
    select
        cast('{{ read }}' as varchar) as outcome_read,
        cast(month as varchar) as campaign_month,
        cast(customer_id as integer) as customer_id,
        cast(arm as varchar) as arm,
        cast(action_code as varchar) as action_code,
        cast(profit as double) as profit,
        cast(segments as varchar) as segments
    from
        read_parquet(
            {{ history_file(campaign_month, 'assignment.parquet') }},
            hive_partitioning = true,
            hive_types_autocast = false
        )
    {{ 'union all' if not loop.last }}
    {%- else %}
    select
        cast(null as varchar) as outcome_read,
        cast(null as varchar) as campaign_month,
        cast(null as integer) as customer_id,
        cast(null as varchar) as arm,
        cast(null as varchar) as action_code,
        cast(null as double) as profit,
        cast(null as varchar) as segments
    where false
    {%- endfor %}
)

select * from assignments

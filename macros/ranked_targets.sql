{% macro ranked_targets(condition) -%}
{#- The customers of marketing.customer_risk that meet `condition` (SQL on customer_risk, alias
    customers), ranked by profit at risk (then customer_id), with the running total, their top
    reasons and their targeted segments: the body of retention_targets and
    site_personalisation_targets. Values are rounded for reading: the probability to 3 decimals,
    profits to 2 (the running total sums the exact values). -#}
with

customers as (
    select * from {{ ref('customer_risk') }}
),

reasons as (
    select * from {{ ref('customer_reasons') }}
),

memberships as (
    select * from {{ ref('segment_memberships') }}
),

customer_segments as (
    select
        customer_id,
        string_agg(segment_name, ', ' order by segment_name) as segments
    from memberships
    where segment_family = 'targeted'
    group by customer_id
),

listed as (
    select * from customers
    where {{ condition }}
),

ranked as (
    select
        row_number() over (
            order by listed.profit_at_risk desc, listed.customer_id asc
        ) as priority_rank,
        listed.customer_id,
        round(listed.decline_probability, 3) as decline_probability,
        listed.risk_band,
        round(listed.profit, 2) as profit,
        round(listed.profit_at_risk, 2) as profit_at_risk,
        round(sum(listed.profit_at_risk) over (
            order by listed.profit_at_risk desc, listed.customer_id asc
            rows between unbounded preceding and current row
        ), 2) as cumulative_profit_at_risk,
        listed.allow_offers,
        listed.favourite_category,
        reasons.top_reason_1,
        reasons.top_reason_2,
        reasons.top_reason_3,
        reasons.reasons_ru,
        reasons.reasons_en,
        coalesce(customer_segments.segments, '') as segments
    from listed
    left join reasons on listed.customer_id = reasons.customer_id
    left join customer_segments on listed.customer_id = customer_segments.customer_id
)

select * from ranked
{%- endmacro %}

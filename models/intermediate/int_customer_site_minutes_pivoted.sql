with

site_minutes as (
    select * from {{ ref('stg_shop__site_minutes') }}
),

pivoted as (
    select
        customer_id,
        {%- for period in var('site_time_periods') %}
        max(minutes) filter (where period = '{{ period }}') as minutes_{{ period }},
        {%- endfor %}
        count(distinct period) as site_time_period_count
    from site_minutes
    group by customer_id
)

select * from pivoted

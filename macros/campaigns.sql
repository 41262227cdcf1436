{#- The month `months` months before `month` ('YYYY-MM'), as 'YYYY-MM'. -#}
{% macro month_before(month, months) -%}
    {%- set index = (month[:4] | int) * 12 + (month[5:7] | int) - 1 - (months | int) -%}
    {{ '%04d-%02d' | format(index // 12, index % 12 + 1) }}
{%- endmacro %}

{#- The published history's file `name` of `month`, as a quoted SQL literal: the files one_click.monthly
    writes beside the published warehouse (var history_dir; month=YYYY-MM/<name>). -#}
{% macro history_file(month, name) -%}
    '{{ var("history_dir") }}/month={{ month }}/{{ name }}'
{%- endmacro %}

{#- A bound of the Wilson score interval of a proportion `p` of `n` trials at the normal quantile
    `z`: side -1 the lower bound, +1 the upper (Newcombe's hybrid score interval is built from
    them). -#}
{% macro wilson_bound(p, n, z, side) -%}
    (
        ({{ p }} + {{ z }} * {{ z }} / (2.0 * {{ n }}))
        {{ '-' if side < 0 else '+' }} {{ z }} * sqrt(
            {{ p }} * (1 - {{ p }}) / {{ n }} + {{ z }} * {{ z }} / (4.0 * {{ n }} * {{ n }})
        )
    ) / (1 + {{ z }} * {{ z }} / {{ n }})
{%- endmacro %}

{#- The columns of the contact list and of its control group, in order (`listed`: the listed
    candidates, marketing.target_candidates; `actions`: marketing.customer_actions), ranked within
    the list by profit at risk. Values are rounded for reading: the probability to 3 decimals,
    profits to 2 (the running total sums the exact values). -#}
{% macro contact_list_columns(listed='listed', actions='actions') -%}
    row_number() over (
        order by {{ listed }}.profit_at_risk desc, {{ listed }}.customer_id asc
    ) as priority_rank,
    {{ listed }}.customer_id,
    round({{ listed }}.decline_probability, 3) as decline_probability,
    {{ listed }}.risk_band,
    round({{ listed }}.profit, 2) as profit,
    round({{ listed }}.profit_at_risk, 2) as profit_at_risk,
    round(sum({{ listed }}.profit_at_risk) over (
        order by {{ listed }}.profit_at_risk desc, {{ listed }}.customer_id asc
        rows between unbounded preceding and current row
    ), 2) as cumulative_profit_at_risk,
    {{ listed }}.allow_offers,
    {{ listed }}.favourite_category,
    {{ actions }}.action_code,
    {{ actions }}.action_ru,
    {{ actions }}.action_en,
    {{ actions }}.action_reason_code,
    {{ actions }}.action_reason_ru,
    {{ actions }}.action_reason_en,
    {{ listed }}.top_reason_1,
    {{ listed }}.top_reason_2,
    {{ listed }}.top_reason_3,
    {{ listed }}.reasons_ru,
    {{ listed }}.reasons_en,
    {{ listed }}.context_ru,
    {{ listed }}.context_en,
    {{ listed }}.segments,
    {{ listed }}.segments_ru,
    {{ listed }}.segments_en
{%- endmacro %}

{#- The minimal detectable effect of a comparison of two groups of n1 and n2 customers whose
    outcome varies with `variance` per customer (p (1 - p) for a share): the smallest true
    difference a 5 % two-sided test detects with 80 % power (var effect_z). -#}
{% macro minimal_detectable_effect(variance, n1, n2) -%}
    ({{ var('effect_z')['confidence'] }} + {{ var('effect_z')['power'] }})
    * sqrt({{ variance }} * (1.0 / {{ n1 }} + 1.0 / {{ n2 }}))
{%- endmacro %}

{#- Every published month's rows of one history file: `this_month` (a relation or CTE holding this
    build's rows) and, for each of `months` (the months the published history holds besides this
    build's), history/month=YYYY-MM/<name>, as `columns`. The folder's month is column `month`;
    `month_as` names it otherwise (campaign_results: the outcome month). -#}
{% macro published_months(this_month, months, name, columns, month_as='month') -%}
    select {{ columns | join(', ') }}
    from {{ this_month }}
    {%- if months %}
    union all
    select {{ columns | join(', ') }}
    from (
        select
            * exclude (month),
            month as {{ month_as }}
        from
            read_parquet(
                [
                    {%- for month in months %}
                        {{ history_file(month, name) }}
                        {{- "," if not loop.last }}
                    {%- endfor %}
                ],
                hive_partitioning = true,
                hive_types_autocast = false
            )
    )
    {%- endif %}
{%- endmacro %}

{#- The body of a list of this month's campaign: the customers of target_candidates drawn into
    `arm` of campaign_assignment ('contacted' or 'control') and meeting `condition` (SQL on
    `candidates`), with their action (customer_actions) and the contact list's columns. -#}
{% macro campaign_arm_list(arm, condition='true') -%}
with

candidates as (
    select * from {{ ref('target_candidates') }}
),

actions as (
    select * from {{ ref('customer_actions') }}
),

assignment as (
    select * from {{ ref('campaign_assignment') }}
),

listed as (
    select candidates.*
    from candidates
    inner join assignment on candidates.customer_id = assignment.customer_id
    where assignment.arm = '{{ arm }}' and ({{ condition }})
),

ranked as (
    select
        {{ contact_list_columns('listed', 'actions') }}
    from listed
    inner join actions on listed.customer_id = actions.customer_id
)

select * from ranked
{%- endmacro %}

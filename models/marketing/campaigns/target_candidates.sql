-- Every scored customer with their top reasons and the targeted segments they belong to, as
-- codes and in words («вне целевых сегментов» for a customer in none): what each list
-- (contact_list, site_list) and customer_actions select their customers from with their own
-- where. Exact values; the lists round them.
{%- set segments = var('targeted_segments') | sort %}
with

customers as (
    select * from {{ ref('customer_risk_reasons') }}
),

memberships as (
    select * from {{ ref('segment_memberships') }}
),

segment_labels as (
    select * from {{ ref('segment_labels') }}
),

no_segment as (
    select * from segment_labels
    where not is_targeted
),

-- a customer's segments in name order, from one flag per targeted segment: fixed-size
-- aggregates, which DuckDB spills to disk at ten million customers (ordered string_agg does not)
customer_flags as (
    select
        customer_id,
    {%- for segment_name in segments %}
    bool_or(segment_name = '{{ segment_name }}') as in_segment_{{ loop.index }}
    {{- "," if not loop.last }}
    {%- endfor %}
    from memberships
    where segment_family = 'targeted'
    group by customer_id
),

segment_words as (
    select
    {%- for segment_name in segments %}
    max(words_ru) filter (where segment_name = '{{ segment_name }}')
        as words_ru_{{ loop.index }},
    max(words_en) filter (where segment_name = '{{ segment_name }}')
        as words_en_{{ loop.index }}
    {{- "," if not loop.last }}
    {%- endfor %}
    from segment_labels
),

customer_segments as (
    select
        customer_flags.customer_id,
        concat_ws(
            ', ',
            {%- for segment_name in segments %}
            case when customer_flags.in_segment_{{ loop.index }} then '{{ segment_name }}' end
            {{- "," if not loop.last }}
            {%- endfor %}
        ) as segments,
    {%- for language in ['ru', 'en'] %}
    concat_ws(
        '; ',
        {%- for segment_name in segments %}
        case
            when customer_flags.in_segment_{{ loop.index }}
                then segment_words.words_{{ language }}_{{ loop.index }}
        end
        {{- "," if not loop.last }}
        {%- endfor %}
    ) as segments_{{ language }}
    {{- "," if not loop.last }}
    {%- endfor %}
    from customer_flags
    cross join segment_words
),

candidates as (
    select
        customers.*,
        coalesce(customer_segments.segments, no_segment.segment_name) as segments,
        coalesce(customer_segments.segments_ru, no_segment.words_ru) as segments_ru,
        coalesce(customer_segments.segments_en, no_segment.words_en) as segments_en
    from customers
    cross join no_segment
    left join customer_segments on customers.customer_id = customer_segments.customer_id
)

select * from candidates

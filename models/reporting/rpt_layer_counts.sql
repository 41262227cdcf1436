-- Rows in each layer, in the order the data flows: the delivered tables, staging, the mart.
{%- set layers = [
    ('raw', 'market_file'),
    ('raw', 'market_money'),
    ('raw', 'market_time'),
    ('raw', 'money'),
    ('staging', 'stg_shop__customers'),
    ('staging', 'stg_shop__revenue'),
    ('staging', 'stg_shop__site_minutes'),
    ('staging', 'stg_shop__profit'),
    ('mart', 'customer_features'),
] %}

with

counts as (
    {%- for layer, model_name in layers %}
    select
        {{ loop.index }} as layer_position,
        '{{ layer }}' as layer,
        '{{ ref(model_name).schema }}.{{ ref(model_name).identifier }}' as relation,
        count(*) as row_count
    from {{ ref(model_name) }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

ordered as (
    select
        layer,
        relation,
        row_count
    from counts
    order by layer_position
)

select * from ordered

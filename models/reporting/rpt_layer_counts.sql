-- Rows in each layer, in the order the data flows: the delivered tables, staging, the mart. A
-- table, so that the published warehouse never reads the delivery folder again.
{{ config(materialized='table') }}
{%- set delivered = var('shop_files').keys() | list %}
{%- set layers = [
    ('staging', 'stg_shop__customers'),
    ('staging', 'stg_shop__revenue'),
    ('staging', 'stg_shop__site_minutes'),
    ('staging', 'stg_shop__profit'),
    ('mart', 'customer_features'),
] %}

with

counts as (
    {%- for name in delivered %}
    select
        {{ loop.index }} as layer_position,
        'raw' as layer,
        '{{ "delivery." ~ name if delivery_is_files() else "raw." ~ name }}' as relation,
        count(*) as row_count
    from {{ shop_delivery(name) }}
    union all
    {%- endfor %}
    {%- for layer, model_name in layers %}
    select
        {{ delivered | length + loop.index }} as layer_position,
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

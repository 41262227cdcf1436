-- One row per customer and segment they belong to: the targeted segments (var
-- targeted_segments, one view each), and the cell of the risk x profit grid every customer sits in.
{%- set targeted_segments = var('targeted_segments') %}

with

risk_profit_matrix as (
    select * from {{ ref('risk_profit_matrix') }}
),

targeted as (
    {%- for segment_name in targeted_segments %}
    select
        'targeted' as segment_family,
        '{{ segment_name }}' as segment_name,
        customer_id
    from {{ ref(segment_name) }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

matrix_cells as (
    select
        'risk_profit_matrix' as segment_family,
        matrix_cell as segment_name,
        customer_id
    from risk_profit_matrix
)

select * from targeted
union all
select * from matrix_cells

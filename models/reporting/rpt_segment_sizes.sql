-- Customers in each targeted segment, in the order of var targeted_segments.
with

memberships as (
    select * from {{ ref('segment_memberships') }}
),

sizes as (
    select
        segment_name,
        count(*) as customers
    from memberships
    where segment_family = 'targeted'
    group by segment_name
),

ordered as (
    select
        segment_name,
        customers
    from sizes
    order by
        case segment_name
            {%- for segment_name in var('targeted_segments') %}
            when '{{ segment_name }}' then {{ loop.index }}
            {%- endfor %}
        end
)

select * from ordered

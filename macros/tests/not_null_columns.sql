{#- Fails once for each of `columns` that holds a null: the column's name and how many rows
    hold one. One test per model instead of one per column: every test is a dbt node, and dbt
    spends some 20 ms of its own on each, whatever the data. -#}
{% test not_null_columns(model, columns) %}

with

null_counts as (
    select
        {%- for column in columns %}
        count(*) filter (where {{ column }} is null) as {{ column }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ model }}
),

per_column as (
    unpivot null_counts
    on {{ columns | join(', ') }}
    into name failing_column value null_rows
)

select
    failing_column,
    null_rows
from per_column
where null_rows > 0

{% endtest %}

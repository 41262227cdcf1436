{#- Fails on every row whose value lies outside [min_value, max_value] (either bound optional),
    and on a null unless allow_null (a share with no customers to count is null, not wrong). -#}
{% test value_between(model, column_name, min_value=none, max_value=none, allow_null=false) %}

select
    {{ column_name }} as failing_value,
    *
from {{ model }}
where
    {% if allow_null %}false{% else %}{{ column_name }} is null{% endif %}
    {%- if min_value is not none %}
    or {{ column_name }} < {{ min_value }}
    {%- endif %}
    {%- if max_value is not none %}
    or {{ column_name }} > {{ max_value }}
    {%- endif %}

{% endtest %}

{#- Fails on every key that does not have exactly `expected` rows in the model. -#}
{% test rows_per_key(model, column_name, expected) %}

select
    {{ column_name }} as failing_key,
    count(*) as row_count
from {{ model }}
group by {{ column_name }}
having count(*) != {{ expected }}

{% endtest %}

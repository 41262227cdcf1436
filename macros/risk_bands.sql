{# The riskiest band's name, quoted for SQL: the first key of var risk_bands. #}
{% macro top_risk_band() -%}
    '{{ (var("risk_bands") | list)[0] }}'
{%- endmacro %}

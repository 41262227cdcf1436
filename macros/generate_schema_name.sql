{#- A folder's schema is exactly the name it configures (`segments`, not `main_segments`), so
    analysts query stable names; models without one land in the target schema. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}

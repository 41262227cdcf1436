{#- The delivered table `name` (market_file, market_money, market_time, money) as staging reads
    it, through an edge dbt sees: the seed of that name (the embedded default), or, when var
    delivery_dir names a delivery, the file itself (source delivery, read in place by DuckDB).
    The one place staging touches raw data. -#}
{% macro shop_delivery(name) -%}
    {%- if var('delivery_dir', '') != '' -%}
        {{ source('delivery', name) }}
    {%- else -%}
        {{ ref(name) }}
    {%- endif -%}
{%- endmacro %}

{#- True when the delivery is a directory of files rather than the seeds. -#}
{% macro delivery_is_files() -%}
    {{ return(var('delivery_dir', '') != '') }}
{%- endmacro %}

{#- The name of the file that delivered a table: <table>.csv, or <table>.parquet when var
    delivery_formats says so. -#}
{% macro shop_file_name(name) -%}
    {{ name }}.{{ var('delivery_formats', {}).get(name, 'csv') if delivery_is_files() else 'csv' }}
{%- endmacro %}

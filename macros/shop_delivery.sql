{#- The delivered table `name` (market_file, market_money, market_time, money) as staging reads
    it: the seed of that name (the embedded default), so that dbt sees the edge from the
    delivered data to staging. The one place staging touches raw data. -#}
{% macro shop_delivery(name) -%}
    {{ ref(name) }}
{%- endmacro %}

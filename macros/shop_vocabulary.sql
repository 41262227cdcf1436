{#- The shop's own words, each written once. Staging maps delivered values through these. -#}

{% macro shop_period_names() -%}
    {#- delivered period label -> period name; misspelt labels the shop sends sit beside the right one -#}
    {{ return({
        'текущий_месяц': 'current_month',
        'предыдущий_месяц': 'previous_month',
        'предыдцщий_месяц': 'previous_month',
        'препредыдущий_месяц': 'month_before_previous',
    }) }}
{%- endmacro %}

{% macro shop_value_corrections() -%}
    {#- misspelt category values found in market_file.csv (analyses/data_defects.sql) -> correct value -#}
    {{ return({
        'service_tier': {'стандартт': 'стандарт'},
        'favourite_category': {'Косметика и аксесуары': 'Косметика и аксессуары'},
    }) }}
{%- endmacro %}

{% macro map_values(column, mapping, keep_others=true) -%}
    {#- a case expression over a written-out mapping; unmapped values pass through or become null -#}
    case trim({{ column }})
        {%- for raw_value, value in mapping.items() %}
        when '{{ raw_value }}' then '{{ value }}'
        {%- endfor %}
        else {{ 'trim(' ~ column ~ ')' if keep_others else 'null' }}
    end
{%- endmacro %}

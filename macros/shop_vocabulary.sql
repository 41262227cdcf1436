{#- The shop's own words, each written once. Staging maps delivered values through these. -#}

{% macro shop_period_names() -%}
    {#- delivered period label (after corrections) -> period name -#}
    {{ return({
        'текущий_месяц': 'current_month',
        'предыдущий_месяц': 'previous_month',
        'препредыдущий_месяц': 'month_before_previous',
    }) }}
{%- endmacro %}

{% macro shop_value_corrections() -%}
    {#- delivered column -> {misspelt value: correct value}, as found by analyses/data_defects.sql -#}
    {{ return({
        'Тип сервиса': {'стандартт': 'стандарт'},
        'Популярная_категория': {'Косметика и аксесуары': 'Косметика и аксессуары'},
        'Период': {'предыдцщий_месяц': 'предыдущий_месяц'},
    }) }}
{%- endmacro %}

{% macro shop_period(column) -%}
    {#- the period name of a delivered period label: corrected, then named; an unknown label is null -#}
    {{ map_values(
        map_values(column, shop_value_corrections()['Период']),
        shop_period_names(),
        keep_others=false,
    ) }}
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

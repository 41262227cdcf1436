{#- The shop's own words, read from var shop_vocabulary (dbt_project.yml), where each is written
    once. Staging maps delivered values through these macros. -#}

{% macro shop_value_corrections() -%}
    {#- delivered column -> {misspelt value: correct value} -#}
    {{ return(var('shop_vocabulary')['corrections']) }}
{%- endmacro %}

{% macro shop_period(column) -%}
    {#- the period name of a delivered period label: corrected, then named; an unknown label is null -#}
    {{ map_values(
        map_values(column, shop_value_corrections()['Период']),
        var('shop_vocabulary')['periods'],
        keep_others=false,
    ) }}
{%- endmacro %}

{% macro shop_flag(column, vocabulary) -%}
    {#- a delivered yes/no-like value as a boolean, by var shop_vocabulary[vocabulary]; others null -#}
    case trim({{ column }})
        {%- for delivered, flag in var('shop_vocabulary')[vocabulary].items() %}
        when '{{ delivered }}' then {{ 'true' if flag else 'false' }}
        {%- endfor %}
    end
{%- endmacro %}

{% macro shop_tier(role) -%}
    {#- the delivered service tier of a role ('premium', 'standard'), from var shop_vocabulary -#}
    {%- for tier, tier_role in var('shop_vocabulary')['service_tiers'].items() -%}
        {%- if tier_role == role %}{{ return(tier) }}{% endif -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error('no service tier has the role ' ~ role) }}
{%- endmacro %}

{% macro shop_categories(group=none) -%}
    {#- the known favourite categories, or those of one group (var shop_vocabulary) -#}
    {%- set categories = [] -%}
    {%- for category, known in var('shop_vocabulary')['categories'].items() -%}
        {%- if group is none or known['group'] == group -%}
            {%- do categories.append(category) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(categories) }}
{%- endmacro %}

{% macro sql_list(values) -%}
    {#- a jinja list as a SQL list of string literals: ('a', 'b') -#}
    ({%- for value in values -%}
        '{{ value | replace("'", "''") }}'{{ ', ' if not loop.last }}
    {%- endfor -%})
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

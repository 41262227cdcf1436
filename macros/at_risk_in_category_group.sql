{% macro at_risk_in_category_group(group) -%}
{#- The body of a segment view of the customers at risk (a band of var at_risk_bands) whose
    favourite category is in one group of var shop_vocabulary.categories. -#}
with

customers as (
    select * from {{ ref('customer_risk') }}
),

reasons as (
    select * from {{ ref('customer_reasons') }}
),

segment as (
    select
        {{ segment_columns() }}
    from customers
    left join reasons on customers.customer_id = reasons.customer_id
    where
        customers.favourite_category in {{ sql_list(shop_categories(group)) }}
        and customers.risk_band in {{ sql_list(var('at_risk_bands')) }}
)

select * from segment
{%- endmacro %}

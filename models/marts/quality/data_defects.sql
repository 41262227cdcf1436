{%- set corrections = shop_value_corrections() -%}
{#- (delivered table, delivered column, import CTE, its column as delivered) checked for the
    misspelt values of var shop_vocabulary.corrections -#}
{%- set corrected_columns = [
    ('market_file', 'Тип сервиса', 'customers', 'service_tier_as_delivered'),
    ('market_file', 'Популярная_категория', 'customers', 'favourite_category_as_delivered'),
    ('market_money', 'Период', 'revenue', 'period_as_delivered'),
    ('market_time', 'Период', 'site_minutes', 'period_as_delivered'),
] -%}

with

revenue as (
    select * from {{ ref('stg_shop__revenue') }}
),

customers as (
    select * from {{ ref('stg_shop__customers') }}
),

site_minutes as (
    select * from {{ ref('stg_shop__site_minutes') }}
),

features as (
    select * from {{ ref('customer_features') }}
),

misspelt_values as (
    {%- for table, column_name, relation, delivered_column in corrected_columns %}
    select
        '{{ shop_file_name(table) }}' as file_name,
        '{{ column_name }}' as column_name,
        'misspelt value' as defect,
        {{ delivered_column }} as delivered_value,
        count(*) as rows_affected,
        count(distinct customer_id) as customers_affected,
        'corrected by macro shop_value_corrections() in staging' as handling
    from {{ relation }}
    where {{ delivered_column }} in {{ sql_list(corrections[column_name].keys()) }}
    group by {{ delivered_column }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

impossible_revenue as (
    select
        '{{ shop_file_name("market_money") }}' as file_name,
        'Выручка' as column_name,
        'impossible value' as defect,
        string_agg(cast(revenue_as_delivered as varchar), ', ') as delivered_value,
        count(*) as rows_affected,
        count(distinct customer_id) as customers_affected,
        'imputed from the customer''s own plausible months in int_customer_revenue_imputed'
            as handling
    from revenue
    where is_revenue_implausible
),

inactive_customers as (
    select
        '{{ shop_file_name("market_money") }}' as file_name,
        'Выручка' as column_name,
        'customer not active in every month' as defect,
        cast(null as varchar) as delivered_value,
        count(*) as rows_affected,
        count(distinct revenue.customer_id) as customers_affected,
        'customer left out of customer_features (int_customers_active_all_periods)' as handling
    from revenue
    left join features on revenue.customer_id = features.customer_id
    where features.customer_id is null
),

delivered as (
    select
        '{{ shop_file_name("market_file") }}' as file_name,
        cast(null as varchar) as column_name,
        'none: customers delivered' as defect,
        cast(null as varchar) as delivered_value,
        count(*) as rows_affected,
        count(*) as customers_affected,
        {%- if delivery_is_files() %}
        'read from {{ var("delivery_dir") | replace("'", "''") }}' as handling
        {%- else %}
        'loaded as seed raw.market_file' as handling
        {%- endif %}
    from customers
)

select * from delivered
union all
select * from misspelt_values
union all
select * from impossible_revenue
union all
select * from inactive_customers

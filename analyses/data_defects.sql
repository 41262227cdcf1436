-- The queries that found the data defects in the delivered files (run: dbt compile, then the SQL
-- in target/compiled/one_click/analyses/). Each block returns the suspicious values with counts.
with

market_file as (
    select * from {{ shop_delivery('market_file') }}
),

market_money as (
    select * from {{ shop_delivery('market_money') }}
),

market_time as (
    select * from {{ shop_delivery('market_time') }}
),

-- category values and their counts: rare near-duplicates are misspellings
category_values as (
    select
        'market_file.csv' as file_name,
        'Тип сервиса' as column_name,
        "Тип сервиса" as finding,
        count(*) as row_count
    from market_file
    group by all

    union all

    select
        'market_file.csv' as file_name,
        'Популярная_категория' as column_name,
        "Популярная_категория" as finding,
        count(*) as row_count
    from market_file
    group by all

    union all

    select
        'market_money.csv' as file_name,
        'Период' as column_name,
        "Период" as finding,
        count(*) as row_count
    from market_money
    group by all

    union all

    select
        'market_time.csv' as file_name,
        'Период' as column_name,
        "Период" as finding,
        count(*) as row_count
    from market_time
    group by all
),

revenue_median as (
    select median("Выручка") as median_revenue from market_money
),

-- revenue far above the rest: the largest values and how they compare with the median
revenue_extremes as (
    select
        'market_money.csv' as file_name,
        'Выручка' as column_name,
        cast(market_money.id as varchar)
        || ' ' || market_money."Период"
        || ' = ' || cast(market_money."Выручка" as varchar) as finding,
        1 as row_count
    from market_money
    cross join revenue_median
    where market_money."Выручка" > 10 * revenue_median.median_revenue
),

-- customers with a month without revenue (not active in every period)
inactive_customers as (
    select
        'market_money.csv' as file_name,
        'Выручка' as column_name,
        'customer ' || cast(id as varchar)
        || ' has no revenue in ' || string_agg("Период", ', ') as finding,
        count(*) as row_count
    from market_money
    where "Выручка" <= 0
    group by id
)

select * from category_values
union all
select * from revenue_extremes
union all
select * from inactive_customers
order by file_name, column_name, row_count

-- Every defect found in the delivered files and how it was handled.
with

defects as (
    select * from {{ ref('data_defects') }}
),

ordered as (
    select
        file_name,
        column_name,
        defect,
        delivered_value,
        rows_affected,
        customers_affected,
        handling
    from defects
    order by file_name asc, column_name asc nulls first, defect asc, delivered_value asc
)

select * from ordered

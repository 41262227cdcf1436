-- The scores of the previous month: the latest month of the score history before this build's
-- (var delivery_month), whatever the gap. Empty when the history holds no earlier month.
with

history as (
    select * from {{ ref('customer_score_history') }}
),

previous_month_name as (
    select max(month) as previous_month
    from history
    where month < '{{ var("delivery_month") }}'
),

previous_month as (
    select history.*
    from history
    inner join previous_month_name on history.month = previous_month_name.previous_month
)

select * from previous_month

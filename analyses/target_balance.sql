-- Target balance among active customers: the share of declined activity the model must find.
with

features as (
    select * from {{ ref('customer_features') }}
)

select
    activity_declined,
    count(*) as customers,
    round(count(*) / sum(count(*)) over (), 3) as customer_share
from features
group by activity_declined
order by activity_declined

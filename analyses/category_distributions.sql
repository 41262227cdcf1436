-- Share of declined activity within each value of every categorical feature.
with

features as (
    select * from {{ ref('customer_features') }}
),

long_form as (
    select
        'service_tier' as feature,
        service_tier as category_value,
        activity_declined
    from features
    union all
    select
        'allow_offers' as feature,
        cast(allow_offers as varchar) as category_value,
        activity_declined
    from features
    union all
    select
        'favourite_category' as feature,
        favourite_category as category_value,
        activity_declined
    from features
)

select
    feature,
    category_value,
    count(*) as customers,
    round(avg(cast(activity_declined as integer)), 3) as declined_share
from long_form
group by feature, category_value
order by feature asc, declined_share desc

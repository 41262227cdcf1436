-- Every delivered customer whose revenue is above zero in every period reaches customer_features,
-- and no other customer does. Returns the customers on the wrong side.
with

revenue as (
    select * from {{ ref('int_customer_revenue_imputed') }}
),

expected_active as (
    select customer_id
    from revenue
    group by customer_id
    having
        count(distinct period) filter (where revenue > 0) = {{ var('revenue_periods') | length }}
),

features as (
    select customer_id from {{ ref('customer_features') }}
)

select
    coalesce(expected_active.customer_id, features.customer_id) as customer_id,
    expected_active.customer_id is not null as expected_active,
    features.customer_id is not null as in_features
from expected_active
full outer join features on expected_active.customer_id = features.customer_id
where expected_active.customer_id is null or features.customer_id is null

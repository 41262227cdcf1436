-- Every explained customer's base value + SHAP values is the decline probability customer_scores
-- gives them: the explanation is of the very score the customer has. (customer_shap_values
-- checks the same sums against the out-of-fold probabilities it reads, to 1e-9; this checks them
-- against customer_scores itself, which it no longer waits for.) Returns the customers whose sum
-- misses it by more than float rounding.
with

shap_values as (
    select * from {{ ref('customer_shap_values') }}
),

scores as (
    select * from {{ ref('customer_scores') }}
),

sums as (
    select
        customer_id,
        any_value(base_value) + sum(shap_value) as explained_probability
    from shap_values
    group by customer_id
)

select
    sums.customer_id,
    sums.explained_probability,
    scores.decline_probability
from sums
left join scores on sums.customer_id = scores.customer_id
where
    scores.customer_id is null
    or abs(sums.explained_probability - scores.decline_probability) > 1e-9

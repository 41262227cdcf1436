-- The customers as the model sees them: feature distributions and correlations.
with

features as (
    select * from {{ ref('customer_features') }}
),

ordered as (
    select *
    from features
    order by customer_id
)

select * from ordered

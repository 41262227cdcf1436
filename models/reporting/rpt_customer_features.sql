-- The customers as the model sees them, for the feature distributions and correlations: every
-- customer, or a fixed random sample of var report_sample_size of them (the same every build).
with

features as (
    select * from {{ ref('customer_features') }}
),

sampled as (
    select *
    from features
    order by hash(customer_id, {{ var('random_seed') }})
    limit {{ var('report_sample_size') }}
),

ordered as (
    select *
    from sampled
    order by customer_id
)

select * from ordered

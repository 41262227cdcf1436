-- Every customer's decline probability and risk band.
with

scores as (
    select * from {{ ref('customer_scores') }}
),

ordered as (
    select
        customer_id,
        decline_probability,
        risk_band,
        top_reason_1,
        top_reason_2,
        top_reason_3,
        model_family
    from scores
    order by customer_id
)

select * from ordered

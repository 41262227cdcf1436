-- Feature drift against the kept model's training customers, the largest PSI first.
with

drift as (
    select * from {{ ref('feature_drift') }}
),

ordered as (
    select
        feature,
        feature_kind,
        psi,
        drifted,
        psi_threshold,
        customers,
        training_customers
    from drift
    order by psi desc, feature asc
)

select * from ordered

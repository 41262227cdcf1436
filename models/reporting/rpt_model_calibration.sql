-- The reliability table of every candidate.
with

calibration as (
    select * from {{ ref('model_calibration') }}
),

ordered as (
    select
        model_family,
        bin,
        mean_predicted,
        observed_rate,
        customers
    from calibration
    order by model_family asc, bin asc
)

select * from ordered

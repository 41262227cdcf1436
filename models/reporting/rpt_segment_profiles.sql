-- How every segment differs from the rest, feature by feature.
with

profiles as (
    select * from {{ ref('segment_profiles') }}
),

ordered as (
    select
        segment_family,
        segment_name,
        feature,
        segment_mean,
        rest_mean,
        segment_median,
        rest_median,
        standardized_difference,
        p_value_adjusted,
        is_significant
    from profiles
    order by segment_family asc, segment_name asc, feature asc
)

select * from ordered

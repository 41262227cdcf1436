-- The SHAP values of the SHAP sample (every customer up to var shap_sample_size): the beeswarm and
-- the dependence plots.
with

shap_values as (
    select * from {{ ref('customer_shap_values') }}
),

ordered as (
    select
        customer_id,
        feature,
        feature_value,
        feature_label,
        shap_value
    from shap_values
    order by feature asc, customer_id asc
)

select * from ordered

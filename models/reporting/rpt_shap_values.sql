-- Every customer's SHAP values: the beeswarm and the dependence plots.
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

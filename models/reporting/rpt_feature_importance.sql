-- Mean |SHAP| and permutation importance of every feature, by SHAP rank.
with

importance as (
    select * from {{ ref('feature_importance') }}
),

ordered as (
    select
        feature,
        mean_abs_shap,
        shap_rank,
        permutation_importance_mean,
        permutation_importance_std,
        permutation_rank
    from importance
    order by shap_rank asc, feature asc
)

select * from ordered

-- Mean |SHAP| and permutation importance of every feature, by SHAP rank. Permutation importance
-- is null when the month's labels cannot measure it (one class, or too few of one): then
-- permutation_note says why (ml.feature_importance.note), and the report says so instead of
-- showing the empty columns.
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
        permutation_rank,
        note as permutation_note
    from importance
    order by shap_rank asc, feature asc
)

select * from ordered

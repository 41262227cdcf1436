-- The candidate families, best first.
with

leaderboard as (
    select * from {{ ref('model_leaderboard') }}
),

ordered as (
    select
        model_family,
        best_params,
        cv_roc_auc_mean,
        cv_roc_auc_std,
        holdout_roc_auc,
        oof_roc_auc,
        oof_brier_score,
        oof_calibration_error,
        fit_seconds,
        cv_rank,
        is_selected,
        sample_customers,
        all_customers,
        scoring_seconds_per_1000,
        fits_scoring_budget
    from leaderboard
    order by cv_rank asc, model_family asc
)

select * from ordered

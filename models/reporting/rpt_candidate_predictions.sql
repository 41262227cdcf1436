-- Every candidate's out-of-fold probabilities: the ROC curves.
with

predictions as (
    select * from {{ ref('candidate_predictions') }}
),

ordered as (
    select
        model_family,
        customer_id,
        activity_declined,
        oof_probability,
        outer_fold
    from predictions
    order by model_family asc, customer_id asc
)

select * from ordered

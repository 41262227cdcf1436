"""The fold counts of the model selection and training, with no heavy import.

The training (one_click.ml.selection, candidates, training) and the validator's check that a
delivery can train (one_click.validate.checks.fewest_per_class) both read them here, so the
validator does not import scikit-learn to learn five numbers.
"""

# the outer StratifiedKFold of the nested cross-validation (one out-of-fold score per customer)
OUTER_FOLDS = 5
# the inner folds tuning a family on each outer training part
INNER_FOLDS = 3
# the test part of the common stratified 75/25 split
HOLDOUT_SIZE = 0.25
# folds of the cross-validation that fits the sigmoid calibration on the training rows
CALIBRATION_FOLDS = 3
# folds of the search that tunes the kept model on the model sample (as the inner searches)
FINAL_SEARCH_FOLDS = INNER_FOLDS

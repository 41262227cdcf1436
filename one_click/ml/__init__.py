"""Churn model: candidate search, out-of-fold scores, explanations, the kept model.

Every random choice in the subpackage takes the seed it is given: the dbt Python models pass
the project's one seed (var random_seed, from their meta), so two builds on the same data give
the same scores and `dbt build --vars` changes them. It is also the random_state of the common
75/25 split, so at the default seed the held-out score is comparable with other solutions on
this data. Likewise the worker count (var workers) is an argument: nothing here reads the
project's settings.
"""

"""Churn model: candidate search, out-of-fold scores, explanations, the kept model.

Every random choice in the subpackage takes RANDOM_SEED, the project's one seed (var
random_seed): two builds on the same data give the same scores. It is also the random_state of
the common 75/25 split, so the held-out score is comparable with other solutions on this data.
"""

from one_click.project import setting

RANDOM_SEED = int(setting("random_seed"))

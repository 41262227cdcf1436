"""Segment profiles and recommendations: how each customer segment differs from the rest, and
what to offer it. Called by the dbt Python models in python_models/marketing/, each of which
imports the module it needs (profiles, recommendations, actions, ...): the models that write the
labels start with the build and need neither pandas' statistics nor scipy."""

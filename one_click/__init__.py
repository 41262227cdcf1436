"""Churn model, segments, report and safe refresh for the «В один клик» warehouse."""

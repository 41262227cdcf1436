"""The words of the segments field: every targeted segment and «no targeted segment»."""

from one_click.marketing.actions import segment_labels
from one_click.project import meta_mapping


def model(dbt, session):
    # var targeted_segments, rendered by dbt into meta
    dbt.config(materialized="table")
    return segment_labels(meta_mapping(dbt.config.meta_get("targeted_segments")))

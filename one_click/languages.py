"""The languages people read the project's output in, and the files written for each: a module
with no dependencies, so that one_click.publish can name the published files.

The report is rendered once per language (one_click.report, one_click.i18n): the marketers' page,
its technical page (the model, the data, the build) and the full contact list; the first
language is the store's.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str  # ru, en
    babel: str  # the babel locale of number formats
    output: str  # the file the report in this language is written to
    contact_list: str  # the file its full contact list is written to, beside the report
    technical: str  # the technical page (the model, the data, the build), linked from the report


REPORT_LANGUAGES = (
    Language("ru", "ru_RU", "report.html", "contact_list.csv", "technical.html"),
    Language("en", "en_US", "report.en.html", "contact_list.en.csv", "technical.en.html"),
)
# every file the report step writes (and the refresh publishes)
REPORT_FILES = tuple(
    name for lg in REPORT_LANGUAGES for name in (lg.output, lg.technical, lg.contact_list)
)

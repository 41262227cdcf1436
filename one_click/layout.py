"""The names of the warehouse directory and of a release, written once.

    warehouse/                  WAREHOUSE_DIR, under the project
      one_click.duckdb          WAREHOUSE_FILE   the warehouse analysts read
      model/                    MODEL_DIR        the kept model (churn_model.skops and .json)
      report.html, ...          REPORT_FILES     the reports and contact lists (one_click.languages)
      docs/                     DOCS_DIR         dbt docs of the build
      history/                  HISTORY_DIR      the history (one_click.monthly): month=YYYY-MM/
                                                 scores, assignment, campaign results
      release.json              RELEASE_FILE     what the release is (one_click.monthly)
      previous/                 PREVIOUS         the set the last refresh replaced
      candidate/one_click.duckdb                 what a plain `dbt build` builds (profiles.yml)

A release holds exactly PUBLISHED; one_click.publish links each of them and previous/.
"""

from pathlib import Path

from one_click.languages import REPORT_FILES

WAREHOUSE_DIR = "warehouse"
# DuckDB names the catalog after the file stem: keep it
WAREHOUSE_FILE = "one_click.duckdb"
MODEL_DIR = "model"
DOCS_DIR = "docs"
HISTORY_DIR = "history"
# a month of the history: HISTORY_DIR/<PARTITION>YYYY-MM/ holds these files (one_click.monthly)
PARTITION = "month="
SCORES_FILE = "scores.parquet"
ASSIGNMENT_FILE = "assignment.parquet"
CAMPAIGN_RESULTS_FILE = "campaign_results.parquet"
RELEASE_FILE = "release.json"
PREVIOUS = "previous"

# A release holds exactly these entries; adding one here is all a new published name needs.
PUBLISHED = (WAREHOUSE_FILE, MODEL_DIR, *REPORT_FILES, DOCS_DIR, HISTORY_DIR, RELEASE_FILE)


def published(project: Path, name: str = WAREHOUSE_FILE) -> Path:
    """A published name under the project's warehouse directory (default: the warehouse file)."""
    return Path(project) / WAREHOUSE_DIR / name

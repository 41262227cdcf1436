"""The static HTML report for the shop's marketers, rendered from the warehouse with jinja2.

`render(warehouse_path, output_dir)` writes per language a self-contained marketers' page
(report.html in Russian, report.en.html in English), its technical page (technical.html,
technical.en.html) and the contact list beside them; the command line is
`python -m one_click.report --warehouse <file.duckdb> --output-dir <dir>`.
"""

from one_click.report.data import WarehouseError, relations
from one_click.report.render import SECTIONS, TECHNICAL_SECTIONS, render

__all__ = ["SECTIONS", "TECHNICAL_SECTIONS", "WarehouseError", "relations", "render"]

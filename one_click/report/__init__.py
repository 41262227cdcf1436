"""The static HTML report for the shop's marketers, rendered from the warehouse with jinja2.

`render(warehouse_path, output_path)` writes one self-contained HTML file; the command line is
`python -m one_click.report --warehouse <file.duckdb> --output <file.html>`.
"""

from one_click.report.data import WarehouseError, relations
from one_click.report.render import SECTIONS, render

__all__ = ["SECTIONS", "WarehouseError", "relations", "render"]

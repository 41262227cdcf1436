"""The static HTML report for the shop's marketers, rendered from the warehouse with jinja2.

`render(warehouse_path, output_dir)` writes one self-contained HTML file per language (report.html
in Russian, report.en.html in English) and the contact lists beside them; the command line is
`python -m one_click.report --warehouse <file.duckdb> --output-dir <dir>`.
"""

from one_click.report.data import WarehouseError, relations
from one_click.report.render import SECTIONS, render

__all__ = ["SECTIONS", "WarehouseError", "relations", "render"]

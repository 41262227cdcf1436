"""Pre-flight checks of a delivery (the shop's four files), before dbt sees it.

The schema of every delivered file is read from var `shop_files` of dbt_project.yml (separator,
decimal mark, key, header in order with a DuckDB type per column, the columns whose values come
from var `shop_vocabulary`, and for the period tables the var listing their periods); nothing of
it is written here. The first of `shop_files` is the customer list: every other file's first key
column must name one of its customers.

`validate_delivery(directory, project=None, mode="score")` checks a directory holding each file as
`<name>.csv` (the delivered CSV format) or as `<name>.parquet` (the same column names, typed as
`shop_files` declares); the formats may be mixed, one file may not come in both. `project` is the
dbt project whose vars it reads (default: one_click.project.project_dir()). It returns a Report
of every problem found, each naming the file, the column and the problem, grouped per file,
column and kind with up to 5 examples. Every number outside the key must be 0 or more.
`validate_seeds(dir)` is the same check (the refresh calls it on the seeds). DuckDB does the work
within a memory limit, spilling to a temp directory beyond it.

CSV files are read by DuckDB's read_csv with the options the dbt source reads them with (var
shop_csv_reader: quote, escape, encoding, header, no sniffing; the separator of var shop_files),
every column as text, so the values checked are the values dbt loads. Encoding (UTF-8, a byte
order mark allowed), emptiness, the separator and the header are checked first; a record the
reader refuses (a wrong number of fields, a quote it cannot close, bytes that are not UTF-8) is
an error naming its line; every row check (type, range of the loaded type, decimal mark,
negative numbers, values outside the vocabulary, keys, periods, ids) runs in DuckDB. Lines are
numbered as a text editor does: line 1 is the header; CRLF, LF and CR all end a line; empty
lines are skipped but counted (a line of spaces is a record of one field, as the reader sees
it), and a byte order mark does not count. A quoted value may hold the separator, doubled quotes,
or line breaks (the row is then named by its last line).

Parquet files are checked on the same rules, with these differences in the messages: rows are
numbered "row N" from 1 = the first row (Parquet has no header line), and counts say "rows"
where the CSV messages say "lines"; the column names are "the schema" where CSV says "the
header"; a column whose type is not of the declared kind is an error naming its type (an integer
column takes any integer type, a number column any integer, float or decimal type, a text column
VARCHAR), and its values are not checked further; a null is shown as "" and is "empty"; NaN and
infinity are "not a number". Separators, decimal marks and encodings do not apply.

In mode "train" (a full refresh, which trains the churn model) the target of the customer list
(var shop_files: `target`) must hold enough customers of each class for the training's
cross-validation folds; else the delivery is refused with a message suggesting `make score`,
which scores it with the kept model. Mode "score" (`refresh --score`) does not check it.

Errors stop a refresh before anything is built; warnings (a favourite category never seen
before, which the churn model scores as unseen) are printed and let it go on.

Run it by hand: `python -m one_click.validate [DIR] [--score]` (default: the project's seed
directory, in mode "train"; exit code 1 when there are errors).

Modules: schemas (the vars), reader (CSV), parquet, checks, messages, sql, delivery (the entry
points), cli.
"""

from one_click.validate.cli import main
from one_click.validate.delivery import (
    MODES,
    Mode,
    delivered_files,
    seeds_dir,
    validate_delivery,
    validate_seeds,
)
from one_click.validate.messages import Problem, Report
from one_click.validate.schemas import Column, FileSchema, ShopSchema, shop_schema

__all__ = [
    "MODES",
    "Column",
    "FileSchema",
    "Mode",
    "Problem",
    "Report",
    "ShopSchema",
    "delivered_files",
    "main",
    "seeds_dir",
    "shop_schema",
    "validate_delivery",
    "validate_seeds",
]

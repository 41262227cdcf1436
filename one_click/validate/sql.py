"""SQL text for the checks: literals, identifiers, lists, and Python's str.strip() in DuckDB."""

from __future__ import annotations

# what str.strip() strips (Python's whitespace ends below U+3001), for SQL: see _trimmed
_WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _list(values) -> str:
    return "[" + ", ".join(_literal(v) for v in values) + "]::varchar[]"


_SPACE = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _WHITESPACE) + "]"


def _trimmed(expression: str) -> str:
    """expression.strip() in SQL (DuckDB's trim(x, characters) is slow; most values pass as
    they are)."""
    ends = _literal(f"^{_SPACE}|{_SPACE}$")
    both = _literal(f"^{_SPACE}+|{_SPACE}+$")
    return (
        f"case when regexp_matches({expression}, {ends}) "
        f"then regexp_replace({expression}, {both}, '', 'g') else {expression} end"
    )


def _blank(expression: str) -> str:
    """SQL: the value is empty or only whitespace."""
    return f"regexp_full_match({expression}, {_literal(_SPACE + '*')})"


def _char_class(character: str) -> str:
    return f"\\x{{{ord(character):x}}}"


def _examples(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()

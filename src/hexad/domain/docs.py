"""Renders `docs/import-format.md` from `ENTITIES`, so the page always says what the importer checks.

Regenerate with `uv run python -m hexad.domain.docs > docs/import-format.md`; a test fails when the
page and the schemas disagree.
"""

from __future__ import annotations

from hexad.domain.models import IMPORT_ORDER, entity_table
from hexad.domain.schemas import ENTITIES, EntitySpec

__all__ = ["render_import_format"]

_INTRO = """# Import format

`hexad import PATH...` loads MSP data from files, one entity per file. The file name (without its
suffix) names the entity (`tickets.csv`, `time_entries.parquet`), or `--entity NAME` names it for
every file given. Folders are read one level deep. Formats: CSV (UTF-8, a header row), JSON lines
(one object per line), Parquet, and Excel `.xlsx` (the first sheet, a header row).

- Every row is validated before anything is written. On any problem nothing is imported, the command
  exits with code 1 and lists file, row, column, value and what was expected (the first 50, then a
  count). Rows are numbered from 1 for the first data row; CSV and xlsx errors also give the line,
  counting the header as line 1.
- Imports are idempotent upserts by each entity's natural key: a row already stored with the same
  values is reported as unchanged, a changed row as updated. A file may hold any subset of rows.
- Columns not listed below are refused; optional columns may be left out or left empty. A column marked
  unique (`invoices.invoice_number`) may not hold a value another row already has.
- References (`client_id` in `tickets`, ...) must name a row already imported or in the same import;
  entities are written in this order whatever order the files are given in: {order}.
- Formats of values: money and decimals with at most 2 places (`1234.50`), dates `YYYY-MM-DD`,
  date-times ISO 8601 with `Z` or an offset (`2023-10-02T07:10:00Z`; none means UTC), booleans `true`
  or `false`, lists joined with `;`, empty cells for missing values.
- Each imported file is also kept as Parquet in the lake's raw zone:
  `raw/<entity>/<yyyy-mm-dd>/<file name>.parquet`.
"""


def render_import_format() -> str:
    """The whole page as Markdown."""
    parts = [_INTRO.format(order=", ".join(f"`{e}`" for e in IMPORT_ORDER))]
    parts += [_entity_section(ENTITIES[name]) for name in IMPORT_ORDER]
    return "\n".join(parts)


def _entity_section(spec: EntitySpec) -> str:
    references = {fk.parent.name: fk.column for fk in entity_table(spec.name).foreign_keys}
    lines = [
        f"## {spec.name}",
        "",
        f"Natural key: {' + '.join(f'`{k}`' for k in spec.natural_key)}.",
        "",
        "| column | type | required | example |",
        "|---|---|---|---|",
    ]
    for column in spec.columns:
        kind = spec.kinds[column].description
        if entity_table(spec.name).c[column].unique:
            kind += "; unique"
        if column in references:
            target = references[column]
            kind += f"; a `{target.table.name}.{target.name}`"
        required = "yes" if column in spec.required else "no"
        example = spec.example.get(column)
        shown = "" if example is None else f"`{example}`"
        lines.append(f"| `{column}` | {kind} | {required} | {shown} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_import_format(), end="")

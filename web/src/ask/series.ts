// Which answer tables are time series worth a small chart: a month or date column and numbers beside it.
import type { AnswerPart } from "./turn";

export interface Series {
  x: string[];
  lines: { name: string; values: (number | null)[] }[];
}

const PERIOD = /^\d{4}-\d{2}(-\d{2})?$/;
const IDENTIFIER = /(^|_)(id|count|deals|hours)$/;

/** The series of a table whose first column holds periods (at least 3 rows), else null. */
export function seriesOf(part: AnswerPart): Series | null {
  const columns = part.columns ?? [];
  const rows = part.rows ?? [];
  if (rows.length < 3 || !rows.every((row) => typeof row[0] === "string" && PERIOD.test(row[0]))) return null;
  const lines = columns
    .map((name, i) => ({ name, i }))
    .filter(({ name, i }) => i > 0 && !IDENTIFIER.test(name) && rows.every((row) => row[i] == null || typeof row[i] === "number"))
    .filter(({ i }) => rows.some((row) => typeof row[i] === "number"))
    .map(({ name, i }) => ({ name, values: rows.map((row) => (typeof row[i] === "number" ? (row[i] as number) : null)) }));
  if (!lines.length) return null;
  return { x: rows.map((row) => String(row[0])), lines: onOneScale(lines) };
}

/** Ratios (0-1 columns such as margin) beside money would flatten to zero: keep the larger scale's lines. */
function onOneScale(lines: Series["lines"]): Series["lines"] {
  const largest = (line: Series["lines"][number]) => Math.max(...line.values.map((v) => Math.abs(v ?? 0)));
  const big = lines.filter((line) => largest(line) > 2);
  return big.length ? big : lines;
}

// A table whose columns sort on click or Enter; the sort is announced through aria-sort.
import { useState, type ReactNode } from "react";

export interface Column<T> {
  key: string;
  label: string;
  value: (row: T) => string | number | null | undefined;
  render?: (row: T) => ReactNode;
  numeric?: boolean;
}

export function SortTable<T>({ rows, columns, label, initial, rowKey, max = 300 }: { rows: T[]; columns: Column<T>[]; label: string; initial?: string; rowKey: (row: T) => string; max?: number }) {
  const [sort, setSort] = useState(initial ?? columns[0]!.key);
  const descending = sort.startsWith("-");
  const column = columns.find((c) => c.key === sort.replace(/^-/, "")) ?? columns[0]!;
  const sorted = [...rows].sort((a, b) => {
    const x = column.value(a);
    const y = column.value(b);
    const order = x == null ? 1 : y == null ? -1 : x < y ? -1 : x > y ? 1 : 0;
    return descending ? -order : order;
  });
  return (
    <div className="table-wrap">
      <table aria-label={label}>
        <thead>
          <tr>
            {columns.map((c) => {
              const active = column.key === c.key;
              return (
                <th key={c.key} className={c.numeric ? "num" : ""} aria-sort={active ? (descending ? "descending" : "ascending") : "none"}>
                  <button onClick={() => setSort(active && !descending ? `-${c.key}` : c.key)}>
                    {c.label} {active ? (descending ? "▼" : "▲") : ""}
                  </button>
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {sorted.slice(0, max).map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((c) => (
                <td key={c.key} className={c.numeric ? "num" : ""}>
                  {c.render ? c.render(row) : (c.value(row) ?? "—")}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {sorted.length > max && <div className="muted">Showing {max} of {sorted.length}; narrow the filter to see the rest.</div>}
    </div>
  );
}

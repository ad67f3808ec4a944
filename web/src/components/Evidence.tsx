// A finding's evidence as people read it: plain values as a list, lists of rows as tables.
type Value = unknown;

const isRow = (value: Value): value is Record<string, Value> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function show(value: Value): string {
  if (value == null) return "—";
  if (typeof value === "number") return Number.isInteger(value) ? value.toLocaleString("en-US") : value.toLocaleString("en-US", { maximumFractionDigits: 4 });
  if (Array.isArray(value)) return value.map(show).join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function Evidence({ evidence }: { evidence: Record<string, Value> }) {
  const entries = Object.entries(evidence);
  const plain = entries.filter(([, v]) => !(Array.isArray(v) && v.length && isRow(v[0])) && !isRow(v));
  const nested = entries.filter(([, v]) => isRow(v));
  const tables = entries.filter(([, v]) => Array.isArray(v) && v.length && isRow(v[0])) as [string, Record<string, Value>[]][];
  return (
    <div data-testid="evidence">
      {plain.length > 0 && (
        <table aria-label="Evidence values">
          <tbody>
            {plain.map(([key, value]) => (
              <tr key={key}>
                <th scope="row">{key.replace(/_/g, " ")}</th>
                <td className={typeof value === "number" ? "num" : ""}>{show(value)}</td>
              </tr>
            ))}
            {nested.map(([key, value]) => (
              <tr key={key}>
                <th scope="row">{key.replace(/_/g, " ")}</th>
                <td>
                  {Object.entries(value as Record<string, Value>).map(([k, v]) => (
                    <div key={k}>
                      <span className="muted">{k.replace(/_/g, " ")}:</span> {show(v)}
                    </div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {tables.map(([key, rows]) => (
        <RowsTable key={key} title={key} rows={rows} />
      ))}
    </div>
  );
}

function RowsTable({ title, rows }: { title: string; rows: Record<string, Value>[] }) {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  return (
    <>
      <h3>
        {title.replace(/_/g, " ")} <span className="muted">({rows.length} rows)</span>
      </h3>
      <div className="table-wrap" style={{ maxHeight: 300, overflow: "auto" }}>
        <table aria-label={title.replace(/_/g, " ")}>
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c} className={typeof rows[0]?.[c] === "number" ? "num" : ""}>
                  {c.replace(/_/g, " ")}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.slice(0, 200).map((row, i) => (
              <tr key={i}>
                {columns.map((c) => (
                  <td key={c} className={typeof row[c] === "number" ? "num" : ""}>
                    {show(row[c])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

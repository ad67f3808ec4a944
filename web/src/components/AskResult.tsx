// One tool call of an answer: what was asked, its summary, its table and (for a series) a small chart.
import { useState } from "react";
import { Link } from "react-router-dom";
import { Chart } from "../charts";
import { fmtNumber, humanize } from "../format";
import { seriesOf } from "../ask/series";
import { missingPermission, type AnswerPart, type ToolCall } from "../ask/turn";

const ROWS_SHOWN = 8;

export function AskResult({ call, table, anchor }: { call: ToolCall; table?: AnswerPart; anchor: string }) {
  const needs = missingPermission(call.error);
  return (
    <section id={anchor} className="ask-call" tabIndex={-1} aria-label={`Source ${call.index}: ${humanize(call.tool)}`}>
      <div className="row" style={{ justifyContent: "space-between" }}>
        <strong>
          [{call.index}] {humanize(call.tool)}
        </strong>
        <span className="muted">{argumentsText(call.arguments)}</span>
      </div>
      {call.error ? (
        <div className="error-text" role="note">
          {needs
            ? `Not run: your role lacks the ${needs} permission. Ask an administrator for a role that includes it, or ask about something else.`
            : `This call failed: ${call.error}`}
        </div>
      ) : (
        <div className="muted">{call.summary}</div>
      )}
      {table && <ResultTable call={call} table={table} />}
    </section>
  );
}

function ResultTable({ call, table }: { call: ToolCall; table: AnswerPart }) {
  const [all, setAll] = useState(false);
  const rows = table.rows ?? [];
  const columns = table.columns ?? [];
  const series = seriesOf(table);
  const shown = all ? rows : rows.slice(0, ROWS_SHOWN);
  return (
    <>
      {series && (
        <Chart
          height={170}
          label={`${table.title}: ${series.lines.map((l) => humanize(l.name)).join(", ")} by ${columns[0]}`}
          option={{
            grid: { left: 60, right: 12, top: 30, bottom: 24 },
            xAxis: { type: "category", data: series.x },
            yAxis: { type: "value" },
            series: series.lines.map((line) => ({ name: humanize(line.name), type: "line", data: line.values, showSymbol: false })),
          }}
        />
      )}
      <div className="table-wrap">
        <table aria-label={table.title}>
          <thead>
            <tr>
              {columns.map((c, i) => (
                <th key={c} className={typeof rows[0]?.[i] === "number" ? "num" : ""}>
                  {humanize(c)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((row, r) => (
              <tr key={r}>
                {row.map((cell, i) => (
                  <td key={i} className={typeof cell === "number" ? "num" : ""}>
                    <Cell tool={call.tool} column={columns[i] ?? ""} value={cell} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows.length > ROWS_SHOWN && (
        <button className="link" onClick={() => setAll((a) => !a)} aria-expanded={all}>
          {all ? "Show fewer rows" : `Show all ${rows.length} rows`}
        </button>
      )}
    </>
  );
}

function Cell({ tool, column, value }: { tool: string; column: string; value: unknown }) {
  if (value == null) return <>—</>;
  if (typeof value === "number") {
    const ratio = /(margin|ratio|utilization|probability)$/.test(column) && column !== "gross_margin" && Math.abs(value) <= 5;
    return <>{ratio ? `${(value * 100).toFixed(1)}%` : fmtNumber(value)}</>;
  }
  const text = typeof value === "string" ? value : JSON.stringify(value);
  if (tool === "list_findings" && column === "id") return <Link to={`/findings?status=&id=${encodeURIComponent(text)}`}>{text.slice(0, 8)}</Link>;
  return <>{text}</>;
}

function argumentsText(args: Record<string, unknown>): string {
  return Object.entries(args)
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(", ");
}

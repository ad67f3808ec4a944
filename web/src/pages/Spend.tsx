// Departmental spend: budget vs actual, the monthly series with anomalies marked, the forecast band.
import { useState } from "react";
import { api, unwrap, type Schemas } from "../api/client";
import { allFindings, allPages } from "../api/lists";
import { Chart } from "../charts";
import { Empty, Kpi, Load } from "../components/states";
import { fmtMoney, fmtPct } from "../format";
import { useApi } from "../hooks";

async function loadSpend() {
  const [departments, rows, anomalies] = await Promise.all([
    unwrap(api.GET("/api/v1/spend/departments")),
    allPages((cursor) => unwrap(api.GET("/api/v1/spend", { params: { query: { limit: 200, cursor } } })), 20_000),
    allFindings({ kind: "spend_anomaly" }),
  ]);
  return { departments, rows, anomalies };
}

export function Spend() {
  const loaded = useApi(loadSpend, []);
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Spend</h1>
          <div className="muted">Budget against actual per department, unusual bills marked on the series, and the next three months' forecast.</div>
        </div>
      </div>
      <Load loaded={loaded} what="spend">
        {(data) => (data.departments.items.length ? <SpendView {...data} /> : <Empty title="No budgets or expenses" hint="Import budgets and expenses (`hexad import budgets.csv expenses.csv`)." />)}
      </Load>
    </>
  );
}

function SpendView({ departments, rows, anomalies }: Awaited<ReturnType<typeof loadSpend>>) {
  const names = departments.items.map((d) => d.department);
  const [department, setDepartment] = useState(names[0] ?? "");
  const total = departments.items.reduce((s, d) => s + d.spend_to_date, 0);
  const budget = departments.items.reduce((s, d) => s + d.budget_to_date, 0);
  return (
    <>
      <div className="grid cols-4">
        <Kpi label="Spend this year" value={fmtMoney(total)} note={`as of ${departments.reference_date}`} />
        <Kpi label="Budget to date" value={fmtMoney(budget)} />
        <Kpi label="Variance" value={fmtMoney(total - budget)} tone={total > budget ? "bad" : "ok"} note={fmtPct(budget ? ((total - budget) / budget) * 100 : null)} />
        <Kpi label="Unusual bills" value={anomalies.filter((a) => a.status === "open").length} note="open anomaly findings" tone="warn" />
      </div>
      <div className="panel" style={{ marginTop: 14 }}>
        <h3>Budget vs actual per department (year to date)</h3>
        <Chart
          label="Budget and actual spend per department this year"
          option={{
            legend: { data: ["Budget", "Actual"] },
            tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
            xAxis: { type: "category", data: names },
            yAxis: { type: "value", axisLabel: { formatter: (v: number) => `$${Math.round(v / 1000)}k` } },
            series: [
              { name: "Budget", type: "bar", data: departments.items.map((d) => d.budget_to_date), itemStyle: { color: "#8a94a8" } },
              {
                name: "Actual",
                type: "bar",
                data: departments.items.map((d) => ({ value: d.spend_to_date, itemStyle: { color: d.spend_to_date > d.budget_to_date ? "#d64545" : "#14a37f" } })),
              },
            ],
          }}
        />
      </div>
      <div className="panel" style={{ marginTop: 14 }}>
        <div className="row" style={{ justifyContent: "space-between" }}>
          <h3>Monthly spend, budget and forecast</h3>
          <label>
            Department
            <select value={department} onChange={(e) => setDepartment(e.target.value)}>
              {names.map((n) => (
                <option key={n}>{n}</option>
              ))}
            </select>
          </label>
        </div>
        <DepartmentSeries department={departments.items.find((d) => d.department === department)!} rows={rows.filter((r) => r.period <= departments.reference_date.slice(0, 7))} anomalies={anomalies} />
      </div>
    </>
  );
}

function DepartmentSeries({ department, rows, anomalies }: { department: Schemas["DepartmentOut"]; rows: Schemas["SpendRow"][]; anomalies: Schemas["Finding"][] }) {
  const mine = rows.filter((r) => r.department === department.department);
  const months = [...new Set(mine.map((r) => r.period))].sort();
  const sum = (month: string, key: "spend" | "budget") => mine.filter((r) => r.period === month).reduce((s, r) => s + r[key], 0);
  const last = months[months.length - 1] ?? "";
  const future = nextMonths(last, 3);
  const all = [...months, ...future];
  const perMonth = (v: number) => v / 3;
  const marks = anomalies
    .filter((a) => (a.evidence as Record<string, unknown>).department === department.department)
    .map((a) => {
      const e = a.evidence as Record<string, unknown>;
      const month = String(e.month ?? "");
      return { coord: [month, sum(month, "spend")], value: "!", name: a.summary };
    })
    .filter((m) => months.includes(String(m.coord[0])));
  const blank = months.map(() => null);
  return (
    <Chart
      height={300}
      label={`Monthly spend and budget of ${department.department}, ${marks.length} anomalies marked, and a forecast band for the next three months`}
      option={{
        legend: { data: ["Spend", "Budget", "Forecast", "Forecast range"] },
        xAxis: { type: "category", data: all, axisLabel: { interval: Math.max(0, Math.ceil(all.length / 12) - 1) } },
        yAxis: { type: "value", axisLabel: { formatter: (v: number) => `$${Math.round(v / 1000)}k` } },
        dataZoom: [{ type: "inside", startValue: Math.max(0, all.length - 21) }],
        series: [
          {
            name: "Spend",
            type: "line",
            data: months.map((m) => Math.round(sum(m, "spend"))),
            symbol: "none",
            markPoint: { symbol: "pin", symbolSize: 34, itemStyle: { color: "#d64545" }, label: { color: "#fff" }, data: marks, tooltip: { formatter: (p: { name: string }) => p.name } },
          },
          { name: "Budget", type: "line", data: months.map((m) => Math.round(sum(m, "budget"))), symbol: "none", lineStyle: { type: "dashed" } },
          { name: "band-low", type: "line", data: [...blank, ...future.map(() => perMonth(department.forecast_low))], stack: "band", symbol: "none", lineStyle: { opacity: 0 }, tooltip: { show: false } },
          {
            name: "Forecast range",
            type: "line",
            data: [...blank, ...future.map(() => perMonth(department.forecast_high - department.forecast_low))],
            stack: "band",
            symbol: "none",
            lineStyle: { opacity: 0 },
            areaStyle: { opacity: 0.25, color: "#e8833a" },
            itemStyle: { color: "#f3c49b" },
          },
          { name: "Forecast", type: "line", data: [...blank.slice(1), Math.round(sum(last, "spend")), ...future.map(() => Math.round(perMonth(department.forecast_next_3_months)))], color: "#e8833a", lineStyle: { type: "dotted" } },
        ],
      }}
    />
  );
}

export function nextMonths(month: string, count: number): string[] {
  const [year, mon] = month.split("-").map(Number);
  if (!year || !mon) return [];
  return Array.from({ length: count }, (_, i) => {
    const date = new Date(Date.UTC(year, mon - 1 + i + 1, 1));
    return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, "0")}`;
  });
}

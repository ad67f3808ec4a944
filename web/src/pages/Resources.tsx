// Technicians: utilization per week (heatmap), the proposed assignment plan with its reasons, routes.
import { api, unwrap, type Schemas } from "../api/client";
import { allUtilization } from "../api/lists";
import { Chart } from "../charts";
import { RouteMap } from "../components/RouteMap";
import { Empty, Load } from "../components/states";
import { fmtMoney, fmtRatio } from "../format";
import { useApi } from "../hooks";

type Week = { week: string; utilization: number; billable_hours: number; available_hours: number };

export function Resources() {
  const utilization = useApi(allUtilization, []);
  const plan = useApi(() => unwrap(api.GET("/api/v1/plans")), []);
  const routes = useApi(() => unwrap(api.GET("/api/v1/routes")), []);
  const names = Object.fromEntries((utilization.data ?? []).map((u) => [u.technician_id, u.name]));
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Resources</h1>
          <div className="muted">Who is over- or under-used, who should take the open work and why, and tomorrow's on-site routes.</div>
        </div>
      </div>
      <div className="panel">
        <h2>Utilization by technician and week</h2>
        <Load loaded={utilization} what="utilization">
          {(rows) => (rows.length ? <Heatmap rows={rows} /> : <Empty title="No time entries" hint="Import technicians and time entries." />)}
        </Load>
      </div>
      <div className="grid cols-2" style={{ marginTop: 14 }}>
        <div className="panel">
          <h2>Proposed plan</h2>
          <Load loaded={plan} what="the plan (solving takes a few seconds)">
            {(p) => <Plan plan={p} names={names} />}
          </Load>
        </div>
        <div className="panel">
          <h2>Routes</h2>
          <Load loaded={routes} what="routes">
            {(r) => (r.routes.length ? <RouteMap plan={r} names={names} /> : <Empty title="No on-site visits" hint="No open ticket needs a visit on the next working day." />)}
          </Load>
        </div>
      </div>
    </>
  );
}

function Heatmap({ rows }: { rows: Schemas["UtilizationOut"][] }) {
  const sorted = [...rows].sort((a, b) => a.utilization - b.utilization);
  const weeks = [...new Set(sorted.flatMap((r) => (r.weekly as Week[]).map((w) => w.week)))].sort();
  const data = sorted.flatMap((r, y) => (r.weekly as Week[]).map((w) => [weeks.indexOf(w.week), y, Math.round(w.utilization * 100)]));
  return (
    <Chart
      height={Math.max(300, sorted.length * 16 + 80)}
      label={`Heatmap of weekly utilization for ${sorted.length} technicians over ${weeks.length} weeks; ${sorted.filter((r) => r.utilization > 1).length} above 100% overall`}
      option={{
        tooltip: { trigger: "item", formatter: (p: { value: number[] }) => `${sorted[p.value[1]!]!.name}, week of ${weeks[p.value[0]!]}: ${p.value[2]}%` },
        grid: { left: 150, right: 80, top: 10, bottom: 40 },
        xAxis: { type: "category", data: weeks, splitArea: { show: false } },
        yAxis: { type: "category", data: sorted.map((r) => `${r.name} (${fmtRatio(r.utilization)})`), axisLabel: { fontSize: 10 } },
        visualMap: { min: 0, max: 150, calculable: true, orient: "vertical", right: 0, top: "center", inRange: { color: ["#2b4c9b", "#5aa9e6", "#f3f4c4", "#f59e0b", "#c2410c"] }, formatter: "{value}%" },
        series: [{ type: "heatmap", data, label: { show: false } }],
      }}
    />
  );
}

function Plan({ plan, names }: { plan: Schemas["PlanOut"]; names: Record<string, string> }) {
  const assignments = plan.assignments as { item_id: string; technician_id: string; hours: number; travel_hours: number; cost: number; reason: string }[];
  const unassigned = plan.unassigned as { item_id: string; reason: string }[];
  return (
    <>
      <div className="muted" style={{ marginBottom: 8 }}>
        {plan.status} · {assignments.length} assigned, {unassigned.length} left open · cost {fmtMoney(plan.objective)} (gap to the bound {(plan.gap * 100).toFixed(2)}%)
      </div>
      {plan.notes.map((n) => (
        <p key={n} className="muted">
          {n}
        </p>
      ))}
      <div className="table-wrap" style={{ maxHeight: 420, overflow: "auto" }}>
        <table aria-label="Assignments">
          <thead>
            <tr>
              <th>Work</th>
              <th>Technician</th>
              <th className="num">Hours</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {assignments.map((a) => (
              <tr key={a.item_id}>
                <td>{a.item_id}</td>
                <td>{names[a.technician_id] ?? a.technician_id}</td>
                <td className="num">{a.hours + a.travel_hours ? (a.hours + a.travel_hours).toFixed(1) : "—"}</td>
                <td style={{ fontSize: "0.85rem" }}>{a.reason}</td>
              </tr>
            ))}
            {unassigned.map((u) => (
              <tr key={u.item_id}>
                <td>{u.item_id}</td>
                <td className="bad">unassigned</td>
                <td />
                <td style={{ fontSize: "0.85rem" }}>{u.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

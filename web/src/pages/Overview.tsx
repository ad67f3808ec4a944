// The master view: business metrics, what the agents found, and the runtime's health (live).
import { useMemo, useState } from "react";
import { Link } from "react-router-dom";
import { api, unwrap, type Schemas } from "../api/client";
import { allClients, allFindings, allLicences, allUtilization } from "../api/lists";
import { Chart } from "../charts";
import { useChanges } from "../changes";
import { Empty, Kpi, Load } from "../components/states";
import { AGENTS, fmtMoney, fmtNumber, fmtPct, fmtRatio, fmtTime, humanize } from "../format";
import { useApi } from "../hooks";
import { useFindingsReload, useLiveEvents, useLiveReload, type BusEvent } from "../live";
import { session } from "../session";

export function Overview() {
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Overview</h1>
          <div className="muted">Business metrics, what the agents found, and how the runtime is doing.</div>
        </div>
      </div>
      <h2>Business</h2>
      <BusinessMetrics />
      <h2 style={{ marginTop: 20 }}>Agents</h2>
      <AgentPerformance />
      {session.can("queues:read") && (
        <>
          <h2 style={{ marginTop: 20 }}>System health (live)</h2>
          <SystemHealth />
        </>
      )}
    </>
  );
}

function BusinessMetrics() {
  const clients = useApi(allClients, []);
  const utilization = useApi(() => (session.can("plans:read") ? allUtilization() : Promise.resolve(null)), []);
  const forecast = useApi(() => (session.can("leads:read") ? unwrap(api.GET("/api/v1/forecast")) : Promise.resolve(null)), []);
  const licences = useApi(() => (session.can("licences:read") ? allLicences() : Promise.resolve(null)), []);
  const departments = useApi(() => (session.can("spend:read") ? unwrap(api.GET("/api/v1/spend/departments")) : Promise.resolve(null)), []);
  const pending = (loaded: { data: unknown; error?: Error }) => (loaded.error ? "unavailable" : "…");
  const t12 = (clients.data ?? []).map((c) => c.trailing_12_months).filter((f): f is Schemas["Figures"] => f != null);
  const revenue = t12.reduce((s, f) => s + f.revenue, 0);
  const margin = t12.reduce((s, f) => s + f.gross_margin, 0);
  const losing = (clients.data ?? []).filter((c) => (c.trailing_12_months?.margin_pct ?? 0) < 0).length;
  const util = utilization.data;
  const avgUtil = util?.length ? util.reduce((s, u) => s + u.utilization, 0) / util.length : null;
  const savings = licences.data?.reduce((s, l) => s + (l.unused_monthly_cost ?? 0) + (l.under_billed_monthly ?? 0), 0);
  const variance = departments.data?.items.reduce((s, d) => s + d.variance_to_date, 0);
  const budget = departments.data?.items.reduce((s, d) => s + d.budget_to_date, 0);
  const f = forecast.data;
  return (
    <>
      <div className="grid cols-3">
        <Kpi label="Revenue, last 12 months" value={clients.data ? fmtMoney(revenue) : pending(clients)} note={clients.data && `${clients.data.length} clients`} />
        <Kpi label="Gross margin" value={clients.data ? fmtPct(revenue ? (margin / revenue) * 100 : null) : pending(clients)} note={clients.data && (losing === 1 ? "1 client loses money" : `${losing} clients lose money`)} tone={losing ? "warn" : ""} />
        {util !== null && <Kpi label="Technician utilization" value={util ? fmtRatio(avgUtil) : pending(utilization)} note={util && `${util.filter((u) => u.utilization > 1).length} over 100%`} />}
        {licences.data !== null && <Kpi label="Licence savings / month" value={savings != null ? fmtMoney(savings) : pending(licences)} note="unused seats + under-billing" tone="ok" />}
        {departments.data !== null && (
          <Kpi label="Spend vs budget (YTD)" value={variance != null ? fmtMoney(variance) : pending(departments)} note={variance != null ? fmtPct(budget ? (variance / budget) * 100 : null) + " of budget" : undefined} tone={variance != null && variance > 0 ? "bad" : "ok"} />
        )}
        {f !== null && <Kpi label="Expected bookings, 3 months" value={f ? fmtMoney(f.months.reduce((s, m) => s + Number(m.expected ?? 0), 0)) : pending(forecast)} note={f && `of ${fmtMoney(f.months.reduce((s, m) => s + Number(m.pipeline ?? 0), 0))} open pipeline`} />}
      </div>
      <div className="grid cols-2" style={{ marginTop: 14 }}>
        <div className="panel">
          <h3>Client profitability (trailing 12 months)</h3>
          <Load loaded={clients} what="clients">
            {(rows) => {
              const bands = marginBands(rows);
              return (
                <Chart
                  label="Number of clients per gross-margin band over the last twelve months"
                  option={{
                    tooltip: { trigger: "axis" },
                    xAxis: { type: "category", data: bands.map((b) => b.label), name: "margin" },
                    yAxis: { type: "value", name: "clients" },
                    series: [{ type: "bar", data: bands.map((b) => ({ value: b.count, itemStyle: { color: b.color } })) }],
                  }}
                />
              );
            }}
          </Load>
        </div>
        <div className="panel">
          <h3>Pipeline conversion: open, weighted and expected bookings</h3>
          {f === null ? <Empty title="No pipeline view" hint="Your role cannot see the sales pipeline." /> : <Load loaded={forecast} what="the forecast">{(data) => data && <ForecastChart forecast={data} />}</Load>}
        </div>
      </div>
    </>
  );
}

export function ForecastChart({ forecast }: { forecast: Schemas["ForecastOut"] }) {
  const months = forecast.months.map((m) => String(m.month));
  const value = (key: string) => forecast.months.map((m) => Number(m[key] ?? 0));
  const low = value("low");
  const high = value("high");
  return (
    <Chart
      label="Sales forecast per month with its low-high interval"
      option={{
        legend: { data: ["Pipeline", "Weighted", "Expected", "Interval"] },
        xAxis: { type: "category", data: months },
        yAxis: { type: "value", axisLabel: { formatter: (v: number) => `$${Math.round(v / 1000)}k` } },
        series: [
          { name: "Pipeline", type: "bar", data: value("pipeline"), barGap: "10%" },
          { name: "Weighted", type: "bar", data: value("weighted") },
          { name: "low", type: "line", data: low, stack: "band", lineStyle: { opacity: 0 }, symbol: "none", tooltip: { show: false } },
          { name: "Interval", type: "line", data: high.map((h, i) => h - low[i]!), stack: "band", lineStyle: { opacity: 0 }, symbol: "none", areaStyle: { opacity: 0.25, color: "#e8833a" }, itemStyle: { color: "#f3c49b" } },
          { name: "Expected", type: "line", data: value("expected"), color: "#e8833a", symbolSize: 8 },
        ],
      }}
    />
  );
}

function marginBands(clients: Schemas["ClientSummary"][]) {
  const bands = [
    { label: "< 0%", max: 0, color: "#d64545", count: 0 },
    { label: "0–20%", max: 20, color: "#e8833a", count: 0 },
    { label: "20–40%", max: 40, color: "#d4a017", count: 0 },
    { label: "40–60%", max: 60, color: "#14a37f", count: 0 },
    { label: "≥ 60%", max: Infinity, color: "#3b6ef5", count: 0 },
  ];
  for (const client of clients) {
    const pct = client.trailing_12_months?.margin_pct;
    if (pct == null) continue;
    bands.find((b) => pct < b.max)!.count++;
  }
  return bands;
}

type Quality = Schemas["QualityOut"];

function AgentPerformance() {
  const loaded = useApi(() => allFindings(), []);
  const quality = useApi(() => unwrap(api.GET("/api/v1/agents/quality")), []);
  const reload = () => {
    loaded.reload();
    quality.reload();
  };
  useChanges("findings", reload);
  useFindingsReload(reload, 2000);
  return (
    <Load loaded={loaded} what="findings">
      {(findings) =>
        findings.length ? (
          <>
            <AgentView findings={findings} quality={quality.error ? null : quality.data} />
            {quality.data?.ground_truth && <QualityTable quality={quality.data} />}
          </>
        ) : (
          <Empty title="No findings yet" hint="Run the agents: `hexad demo run` or `hexad worker` after an import." />
        )
      }
    </Load>
  );
}

/** An agent's precision and recall over all its kinds (pooled counts), or null without ground truth. */
function pooled(quality: Quality, agent: string): { precision: number | null; recall: number | null } | null {
  if (!quality.ground_truth) return null;
  const mine = quality.items.filter((i) => i.agent === agent);
  const sum = (pick: (i: Quality["items"][number]) => number) => mine.reduce((s, i) => s + pick(i), 0);
  const [found, planted, correct] = [sum((i) => i.found), sum((i) => i.planted), sum((i) => i.correct)];
  return { precision: found ? correct / found : null, recall: planted ? correct / planted : null };
}

function QualityTable({ quality }: { quality: Quality }) {
  const agents = [...new Set(quality.items.map((i) => i.agent))];
  return (
    <div className="panel" style={{ marginTop: 14 }}>
      <h3>Precision and recall per kind</h3>
      <p className="muted" style={{ fontSize: "0.85rem", marginTop: 0 }}>
        Open and acknowledged findings against the planted ground truth (reference date {quality.reference_date ?? "unknown"}), scored as <code>hexad demo run</code> scores them.
      </p>
      <div className="table-wrap">
        <table aria-label="Precision and recall per agent and kind">
          <thead>
            <tr>
              <th>Agent</th>
              <th>Kind</th>
              <th className="num">Planted</th>
              <th className="num">Found</th>
              <th className="num">Correct</th>
              <th className="num">Precision</th>
              <th className="num">Recall</th>
            </tr>
          </thead>
          <tbody>
            {agents.flatMap((agent) =>
              quality.items
                .filter((i) => i.agent === agent)
                .map((i, n, mine) => (
                  <tr key={`${agent}-${i.kind}`}>
                    {n === 0 && <th rowSpan={mine.length} scope="rowgroup">{AGENTS[agent] ?? agent}</th>}
                    <td>{humanize(i.kind)}</td>
                    <td className="num">{i.planted}</td>
                    <td className="num">{i.found}</td>
                    <td className="num">{i.correct}</td>
                    <td className={`num ${i.found && i.precision < 0.5 ? "warn" : ""}`}>{i.found ? fmtPct(i.precision * 100) : "—"}</td>
                    <td className="num">{i.planted ? fmtPct(i.recall * 100) : "—"}</td>
                  </tr>
                )),
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function AgentHealth() {
  const agents = useApi(() => unwrap(api.GET("/api/v1/agents")), []);
  useLiveReload(() => true, agents.reload, 3000);
  return (
    <Load loaded={agents} what="agents">
      {(rows) => (
        <table aria-label="Agent health">
          <thead>
            <tr>
              <th>Agent</th>
              <th>Health</th>
              <th className="num">Mailbox</th>
              <th className="num">Dead letters</th>
              <th>Last run</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((a) => (
              <tr key={a.name}>
                <td>{a.title}</td>
                <td>
                  <span className={`badge ${a.health === "ok" ? "ok" : a.health === "idle" ? "" : "bad"}`}>{a.health}</span>
                </td>
                <td className="num">{a.mailbox ? a.mailbox.visible + a.mailbox.in_flight : "—"}</td>
                <td className={`num ${a.mailbox?.dead_letters ? "bad" : ""}`}>{a.mailbox?.dead_letters ?? "—"}</td>
                <td>{a.last_run ? `${a.last_run.status} ${fmtTime(a.last_run.finished_at ?? a.last_run.created_at)}` : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Load>
  );
}

function AgentView({ findings, quality }: { findings: Schemas["Finding"][]; quality: Quality | undefined | null }) {
  const agents = Object.keys(AGENTS);
  const kinds = [...new Set(findings.map((f) => f.kind))].sort();
  const count = (agent: string, kind: string) => findings.filter((f) => f.agent === agent && f.kind === kind).length;
  const statuses = ["open", "acknowledged", "resolved"];
  return (
    <div className="grid cols-2">
      <div className="panel">
        <h3>Findings by agent and kind</h3>
        <Chart
          height={300}
          label="Stacked bars: findings per agent, split by kind"
          option={{
            legend: { type: "scroll", top: 0 },
            tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
            grid: { left: 150, right: 20, top: 40, bottom: 24 },
            yAxis: { type: "category", data: agents.map((a) => AGENTS[a]) },
            xAxis: { type: "value" },
            series: kinds.map((kind) => ({ name: humanize(kind), type: "bar", stack: "all", data: agents.map((a) => count(a, kind) || null) })),
          }}
        />
      </div>
      <div className="panel">
        <h3>Where findings stand</h3>
        <table>
          <thead>
            <tr>
              <th>Agent</th>
              {statuses.map((s) => (
                <th key={s} className="num">
                  {humanize(s)}
                </th>
              ))}
              <th className="num">High or critical</th>
              <th className="num">Precision</th>
            </tr>
          </thead>
          <tbody>
            {agents.map((agent) => {
              const mine = findings.filter((f) => f.agent === agent);
              return (
                <tr key={agent}>
                  <td>
                    <Link to={`/findings?agent=${agent}`}>{AGENTS[agent]}</Link>
                  </td>
                  {statuses.map((s) => (
                    <td key={s} className="num" data-testid={`stand-${agent}-${s}`}>
                      {mine.filter((f) => f.status === s).length}
                    </td>
                  ))}
                  <td className="num">{mine.filter((f) => f.severity === "high" || f.severity === "critical").length}</td>
                  <PrecisionCell quality={quality} agent={agent} />
                </tr>
              );
            })}
          </tbody>
        </table>
        <p className="muted" style={{ fontSize: "0.85rem" }}>
          {!quality
            ? "Precision against the ground truth is unavailable right now."
            : quality.ground_truth
              ? "Precision: the share of the agent's open and acknowledged findings that match a planted signal."
              : "No ground truth: precision needs a data set with known answers (the demo's ground_truth.json)."}
        </p>
      </div>
    </div>
  );
}

function PrecisionCell({ quality, agent }: { quality: Quality | undefined | null; agent: string }) {
  if (quality === undefined) return <td className="num muted">…</td>;
  if (quality === null) return <td className="num muted">unavailable</td>;
  const score = pooled(quality, agent);
  if (score === null)
    return (
      <td className="num muted" data-testid={`precision-${agent}`}>
        no ground truth
      </td>
    );
  const recall = score.recall === null ? "" : `, recall ${fmtPct(score.recall * 100)}`;
  return (
    <td className="num" data-testid={`precision-${agent}`} title={`pooled over the agent's kinds${recall}`}>
      {score.precision === null ? "nothing found" : fmtPct(score.precision * 100)}
    </td>
  );
}

function SystemHealth() {
  const queues = useApi(() => unwrap(api.GET("/api/v1/queues")), []);
  const restarts = useApi(loadRestarts, []);
  const [rate, setRate] = useState<{ t: number; n: number }[]>([]);
  const [seen, setSeen] = useState(0);
  useLiveEvents((event: BusEvent) => {
    void event;
    setSeen((n) => n + 1);
    const minute = Math.floor(Date.now() / 10_000) * 10_000;
    setRate((points) => {
      const last = points[points.length - 1];
      if (last && last.t === minute) return [...points.slice(0, -1), { t: minute, n: last.n + 1 }];
      return [...points, { t: minute, n: 1 }].slice(-60);
    });
  });
  useLiveReload(() => true, queues.reload, 2000);
  const rateOption = useMemo(
    () => ({
      tooltip: { trigger: "axis" },
      xAxis: { type: "time" },
      yAxis: { type: "value", name: "events / 10 s", minInterval: 1 },
      series: [{ type: "bar", data: rate.map((p) => [p.t, p.n]), barMaxWidth: 14 }],
    }),
    [rate],
  );
  return (
    <div className="grid cols-2">
      <div className="panel">
        <h3>Agents</h3>
        <AgentHealth />
        <h3>Event rate on the bus</h3>
        {rate.length ? (
          <Chart label="Bar chart of bus events per ten seconds since this page opened" option={rateOption} height={200} />
        ) : (
          <Empty title="Waiting for events" hint="Events appear here as agents, imports and people act (e.g. `hexad worker`, `hexad import`)." />
        )}
        <div className="muted">{seen} events since this page opened</div>
      </div>
      <div className="panel">
        <h3>Queues</h3>
        <Load loaded={queues} what="queues">
          {(rows) => <QueueSummary rows={rows} restarts={restarts.data} />}
        </Load>
      </div>
    </div>
  );
}

function QueueSummary({ rows, restarts }: { rows: Schemas["QueueOut"][]; restarts?: number }) {
  const dlq = rows.filter((q) => q.name.endsWith("-dlq"));
  const main = rows.filter((q) => !q.name.endsWith("-dlq"));
  const deadLetters = dlq.reduce((s, q) => s + q.visible, 0);
  return (
    <>
      <div className="grid cols-3" style={{ marginBottom: 10 }}>
        <Kpi label="Waiting" value={fmtNumber(main.reduce((s, q) => s + q.visible + q.delayed, 0))} />
        <Kpi label="Dead letters" value={fmtNumber(deadLetters)} tone={deadLetters ? "bad" : "ok"} note={deadLetters ? <Link to="/operations">Redrive them</Link> : "none"} />
        <Kpi label="Actor restarts" value={restarts == null ? "—" : fmtNumber(restarts)} note="in the API process" />
      </div>
      <Chart
        height={170}
        label="Messages waiting and in flight per queue"
        option={{
          legend: { data: ["Waiting", "In flight"] },
          grid: { left: 110, right: 16, top: 30, bottom: 20 },
          tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
          yAxis: { type: "category", data: main.map((q) => q.name) },
          xAxis: { type: "value", minInterval: 1 },
          series: [
            { name: "Waiting", type: "bar", stack: "q", data: main.map((q) => q.visible + q.delayed) },
            { name: "In flight", type: "bar", stack: "q", data: main.map((q) => q.in_flight) },
          ],
        }}
      />
    </>
  );
}

async function loadRestarts(): Promise<number> {
  const text = await (await fetch("/metrics")).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith("hexad_actor_restarts_total"))
    .reduce((sum, line) => sum + Number(line.split(" ").pop() ?? 0), 0);
}

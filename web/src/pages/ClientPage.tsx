// One client: monthly revenue, cost and margin, effective rate, churn risk with its factors, findings.
import { Link, useParams } from "react-router-dom";
import { api, unwrap, type Schemas } from "../api/client";
import { Chart } from "../charts";
import { Evidence } from "../components/Evidence";
import { Empty, Kpi, Load, Severity } from "../components/states";
import { fmtMoney, fmtNumber, humanize } from "../format";
import { useApi } from "../hooks";
import { Margin } from "./Clients";

type Month = Record<string, number | string>;

export function ClientPage() {
  const { clientId = "" } = useParams();
  const client = useApi(() => unwrap(api.GET("/api/v1/clients/{client_id}", { params: { path: { client_id: clientId } } })), [clientId]);
  return (
    <>
      <p>
        <Link to="/clients">← All clients</Link>
      </p>
      <Load loaded={client} what="the client">
        {(c) => <ClientView client={c} />}
      </Load>
    </>
  );
}

function ClientView({ client }: { client: Schemas["ClientDetail"] }) {
  const months = client.months as Month[];
  const labels = months.map((m) => String(m.month));
  const series = (key: string) => months.map((m) => Number(m[key] ?? 0));
  const cost = months.map((m) => Number(m.labour_cost ?? 0) + Number(m.addition_cost ?? 0) + Number(m.licence_cost ?? 0));
  const churn = client.open_findings.find((f) => f.kind === "churn_risk");
  const t12 = client.trailing_12_months;
  return (
    <>
      <div className="page-head">
        <div>
          <h1>{client.name}</h1>
          <div className="muted">
            {client.client_id} · {client.tier} · {client.industry} · {client.city}, {client.country} · client since {client.start_date}
          </div>
        </div>
      </div>
      <div className="grid cols-4">
        <Kpi label="Revenue (12 months)" value={fmtMoney(t12?.revenue)} />
        <Kpi label="Gross margin (12 months)" value={<Margin value={t12?.margin_pct} />} note={fmtMoney(t12?.gross_margin)} />
        <Kpi label="Effective hourly rate" value={fmtMoney(t12?.effective_hourly_rate)} note={`${fmtNumber(t12?.labour_hours)} labour hours`} />
        <Kpi label="Contract" value={fmtMoney(client.contract_value)} note={`${client.seats ?? "—"} seats · ${client.endpoints ?? "—"} endpoints`} />
      </div>
      <div className="grid cols-2" style={{ marginTop: 14 }}>
        <div className="panel">
          <h3>Monthly revenue, cost and margin</h3>
          {months.length ? (
            <Chart
              label={`Monthly revenue, cost and gross margin of ${client.name}`}
              option={{
                legend: { data: ["Revenue", "Cost", "Gross margin"] },
                xAxis: { type: "category", data: labels },
                yAxis: { type: "value", axisLabel: { formatter: (v: number) => `$${Math.round(v / 1000)}k` } },
                series: [
                  { name: "Revenue", type: "line", data: series("revenue"), symbol: "none" },
                  { name: "Cost", type: "line", data: cost, symbol: "none" },
                  { name: "Gross margin", type: "bar", data: series("gross_margin"), itemStyle: { opacity: 0.6 } },
                ],
              }}
            />
          ) : (
            <Empty title="No monthly figures" hint="Import invoices and time entries for this client." />
          )}
        </div>
        <div className="panel">
          <h3>Effective hourly rate</h3>
          <Chart
            label={`Effective hourly rate per month of ${client.name}`}
            option={{
              xAxis: { type: "category", data: labels },
              yAxis: { type: "value", name: "$/h" },
              series: [{ name: "Effective rate", type: "line", data: series("effective_hourly_rate"), areaStyle: { opacity: 0.15 }, symbol: "none" }],
            }}
          />
        </div>
      </div>
      <div className="grid cols-2" style={{ marginTop: 14 }}>
        <div className="panel">
          <h3>Churn risk</h3>
          {churn ? (
            <>
              <p>
                <Severity value={churn.severity} /> {churn.summary}
              </p>
              <Evidence evidence={churn.evidence as Record<string, unknown>} />
            </>
          ) : (
            <Empty title="No churn risk flagged" hint="The profitability agent flags clients whose signals look like past churners." />
          )}
        </div>
        <div className="panel">
          <h3>Open findings ({client.open_findings.length})</h3>
          {client.open_findings.length ? (
            <ul>
              {client.open_findings.map((f) => (
                <li key={f.id} style={{ marginBottom: 6 }}>
                  <Severity value={f.severity} /> <Link to={`/findings?status=&id=${f.id}`}>{f.summary}</Link>{" "}
                  <span className="muted">({humanize(f.kind)})</span>
                </li>
              ))}
            </ul>
          ) : (
            <Empty title="Nothing open" hint="No agent has an open finding about this client." />
          )}
        </div>
      </div>
    </>
  );
}

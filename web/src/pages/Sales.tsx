// The sales pipeline: deals by stage, lead scores with their drivers, the forecast, proposals.
import { useState } from "react";
import { api, download, unwrap, type Schemas } from "../api/client";
import { allPages } from "../api/lists";
import { Empty, ErrorState, Load } from "../components/states";
import { fmtMoney, fmtRatio, fmtTime, humanize } from "../format";
import { useApi } from "../hooks";
import { session } from "../session";
import { ForecastChart } from "./Overview";

type Lead = Schemas["LeadOut"];
const STAGES = ["prospecting", "qualification", "proposal", "negotiation"];

export function Sales() {
  const leads = useApi(() => allPages((cursor) => unwrap(api.GET("/api/v1/leads", { params: { query: { limit: 200, cursor, sort: "-expected_value" } } }))), []);
  const forecast = useApi(() => unwrap(api.GET("/api/v1/forecast")), []);
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Sales</h1>
          <div className="muted">Open deals by stage, how likely each is to close and why, and what the next three months should bring.</div>
        </div>
      </div>
      <div className="panel">
        <h2>Pipeline by stage</h2>
        <Load loaded={leads} what="the pipeline">
          {(rows) => (rows.length ? <Board leads={rows} /> : <Empty title="No open deals" hint="Import leads and opportunities (`hexad import opportunities.csv`)." />)}
        </Load>
      </div>
      <div className="grid cols-2" style={{ marginTop: 14 }}>
        <div className="panel">
          <h2>Forecast with intervals</h2>
          <Load loaded={forecast} what="the forecast">
            {(f) => (f.months.length ? <ForecastChart forecast={f} /> : <Empty title="No forecast" hint="The forecast needs open deals with expected close dates." />)}
          </Load>
        </div>
        <div className="panel">
          <h2>Proposals</h2>
          <Proposals leads={leads.data ?? []} />
        </div>
      </div>
      <div className="panel" style={{ marginTop: 14 }}>
        <h2>Lead scores</h2>
        <Load loaded={leads} what="lead scores">
          {(rows) => <LeadTable leads={rows.slice(0, 40)} />}
        </Load>
      </div>
    </>
  );
}

function Board({ leads }: { leads: Lead[] }) {
  const stages = [...STAGES, ...new Set(leads.map((l) => l.stage).filter((s) => !STAGES.includes(s)))];
  return (
    <div className="board" role="list" aria-label="Pipeline board">
      {stages.map((stage) => {
        const mine = leads.filter((l) => l.stage === stage);
        return (
          <section className="column" key={stage} role="listitem" aria-label={`${humanize(stage)}: ${mine.length} deals`}>
            <h3 style={{ marginTop: 0 }}>
              {humanize(stage)} <span className="count">{mine.length}</span>
            </h3>
            <div className="muted" style={{ marginBottom: 6, fontSize: "0.8rem" }}>
              {fmtMoney(mine.reduce((s, l) => s + l.amount, 0))} · expected {fmtMoney(mine.reduce((s, l) => s + l.expected_value, 0))}
            </div>
            {mine.slice(0, 8).map((l) => (
              <div className="card" key={l.opportunity_id}>
                <strong>{l.company}</strong>
                <div className="row" style={{ justifyContent: "space-between" }}>
                  <span>{fmtMoney(l.amount)}</span>
                  <span className={l.win_probability >= 0.5 ? "ok" : l.win_probability < 0.2 ? "bad" : "warn"}>{fmtRatio(l.win_probability)} win</span>
                </div>
              </div>
            ))}
            {mine.length > 8 && <div className="muted">and {mine.length - 8} more</div>}
          </section>
        );
      })}
    </div>
  );
}

function LeadTable({ leads }: { leads: Lead[] }) {
  return (
    <div className="table-wrap">
      <table aria-label="Lead scores">
        <thead>
          <tr>
            <th>Company</th>
            <th>Stage</th>
            <th className="num">Amount</th>
            <th className="num">Win probability</th>
            <th className="num">Expected value</th>
            <th>Why (largest drivers)</th>
          </tr>
        </thead>
        <tbody>
          {leads.map((l) => (
            <tr key={l.opportunity_id}>
              <td>
                {l.company} <span className="muted">{l.opportunity_id}</span>
              </td>
              <td>{humanize(l.stage)}</td>
              <td className="num">{fmtMoney(l.amount)}</td>
              <td className="num">
                <div className="progress" aria-hidden="true" style={{ width: 80, display: "inline-block", marginRight: 6 }}>
                  <div style={{ width: `${l.win_probability * 100}%` }} />
                </div>
                {fmtRatio(l.win_probability)}
              </td>
              <td className="num">{fmtMoney(l.expected_value)}</td>
              <td style={{ fontSize: "0.8rem" }}>
                {(l.drivers as { feature: string; contribution: number }[]).slice(0, 3).map((d) => (
                  <span key={d.feature} className={d.contribution >= 0 ? "ok" : "bad"} style={{ marginRight: 8 }}>
                    {d.contribution >= 0 ? "+" : "−"} {d.feature.replace(/_/g, " ")}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Proposals({ leads }: { leads: Lead[] }) {
  const proposals = useApi(() => unwrap(api.GET("/api/v1/proposals")), []);
  const [opportunity, setOpportunity] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const canWrite = session.can("proposals:write");
  const generate = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await unwrap(api.POST("/api/v1/proposals", { body: { opportunity_id: opportunity, provider: "Hexad MSP" } }));
      proposals.reload();
    } catch (reason) {
      setError(reason as Error);
    } finally {
      setBusy(false);
    }
  };
  const fetchFile = (id: string, format: "pdf" | "docx") =>
    download(`/api/v1/proposals/${encodeURIComponent(id)}/download?format=${format}`, `${id}.${format}`).catch((e: Error) => setError(e));
  return (
    <>
      {canWrite && (
        <div className="row" style={{ marginBottom: 10 }}>
          <label style={{ flex: 1 }}>
            Opportunity
            <select value={opportunity} onChange={(e) => setOpportunity(e.target.value)}>
              <option value="">Choose an open deal…</option>
              {leads.slice(0, 100).map((l) => (
                <option key={l.opportunity_id} value={l.opportunity_id}>
                  {l.company} ({l.opportunity_id}, {fmtMoney(l.amount)})
                </option>
              ))}
            </select>
          </label>
          <button className="primary" disabled={!opportunity || busy} onClick={generate} style={{ alignSelf: "flex-end" }}>
            {busy ? "Generating…" : "Generate proposal"}
          </button>
        </div>
      )}
      {error && <ErrorState error={error} />}
      <Load loaded={proposals} what="proposals">
        {(rows) =>
          rows.length ? (
            <table aria-label="Proposals">
              <thead>
                <tr>
                  <th>Opportunity</th>
                  <th>Generated</th>
                  <th>Download</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((p) => (
                  <tr key={p.proposal_id}>
                    <td>{p.opportunity_id}</td>
                    <td>{fmtTime(p.generated_at)}</td>
                    <td className="row">
                      <button onClick={() => fetchFile(p.proposal_id, "pdf")}>PDF</button>
                      <button onClick={() => fetchFile(p.proposal_id, "docx")}>DOCX</button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <Empty title="No proposals yet" hint={canWrite ? "Choose an open deal above and generate one." : "Someone in sales can generate one."} />
          )
        }
      </Load>
    </>
  );
}

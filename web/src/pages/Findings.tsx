// The findings inbox: filter, read the evidence, acknowledge, resolve, comment; counts follow live.
import { useState } from "react";
import { useSearchParams } from "react-router-dom";
import { api, unwrap, type Finding } from "../api/client";
import { allFindings, type FindingFilter } from "../api/lists";
import { announce, useChanges } from "../changes";
import { Evidence } from "../components/Evidence";
import { Empty, ErrorState, Load, Severity } from "../components/states";
import { AGENTS, fmtTime, humanize } from "../format";
import { useApi } from "../hooks";
import { useFindingsReload, useLiveReload, type BusEvent } from "../live";
import { session } from "../session";

const SEVERITIES = ["critical", "high", "medium", "low"] as const;

const STATUSES = ["open", "acknowledged", "resolved"] as const;

export function Findings() {
  const [params, setParams] = useSearchParams({ status: "open" });
  const filter: FindingFilter = {
    agent: params.get("agent") || undefined,
    kind: params.get("kind") || undefined,
    severity: (params.get("severity") || undefined) as FindingFilter["severity"],
    status: (params.get("status") || undefined) as FindingFilter["status"],
  };
  const selected = params.get("id");
  const everything = useApi(() => allFindings({ agent: filter.agent }), [filter.agent]);
  useChanges("findings", everything.reload);
  useFindingsReload(everything.reload);

  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    if (key !== "id") next.delete("id");
    setParams(next, { replace: key !== "id" });
  };
  const all = everything.data ?? [];
  const kinds = [...new Set(all.map((f) => f.kind))].sort();
  const shown = all
    .filter((f) => (!filter.kind || f.kind === filter.kind) && (!filter.severity || f.severity === filter.severity) && (!filter.status || f.status === filter.status))
    .sort((a, b) => b.score - a.score);
  const counts = Object.fromEntries(STATUSES.map((s) => [s, all.filter((f) => f.status === s).length]));

  return (
    <>
      <div className="page-head">
        <div>
          <h1>Findings</h1>
          <div className="muted" aria-live="polite" data-testid="status-counts">
            {STATUSES.map((s) => (
              <span key={s} style={{ marginRight: 14 }}>
                <strong data-testid={`count-${s}`}>{counts[s]}</strong> {s}
              </span>
            ))}
          </div>
        </div>
      </div>
      <div className="filters" role="search" aria-label="Filter findings">
        <label>
          Agent
          <select value={filter.agent ?? ""} onChange={(e) => set("agent", e.target.value)}>
            <option value="">All agents</option>
            {Object.entries(AGENTS).map(([code, name]) => (
              <option key={code} value={code}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Kind
          <select value={filter.kind ?? ""} onChange={(e) => set("kind", e.target.value)}>
            <option value="">All kinds</option>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {humanize(k)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Severity
          <select value={filter.severity ?? ""} onChange={(e) => set("severity", e.target.value)}>
            <option value="">Any severity</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select value={filter.status ?? ""} onChange={(e) => set("status", e.target.value)}>
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="split">
        <div className="panel">
          <Load loaded={everything} what="findings">
            {() =>
              shown.length ? (
                <FindingTable findings={shown} selected={selected} onSelect={(id) => set("id", id)} />
              ) : (
                <Empty title="No findings match" hint="Clear a filter above, or run the agents (`hexad worker`) after importing data." />
              )
            }
          </Load>
        </div>
        <div className="panel" style={{ position: "sticky", top: 12 }}>
          {selected ? <FindingDetail id={selected} /> : <Empty title="Pick a finding" hint="Select a row to see its evidence and act on it." />}
        </div>
      </div>
    </>
  );
}

function FindingTable({ findings, selected, onSelect }: { findings: Finding[]; selected: string | null; onSelect: (id: string) => void }) {
  return (
    <div className="table-wrap" style={{ maxHeight: "70vh", overflow: "auto" }}>
      <table aria-label="Findings">
        <thead>
          <tr>
            <th>Severity</th>
            <th>Summary</th>
            <th>Agent</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {findings.slice(0, 500).map((f) => (
            <tr key={f.id} className={f.id === selected ? "selected" : ""} aria-selected={f.id === selected}>
              <td>
                <Severity value={f.severity} />
              </td>
              <td>
                <a
                  href={`?id=${f.id}`}
                  onClick={(e) => {
                    e.preventDefault();
                    onSelect(f.id);
                  }}
                >
                  {f.summary}
                </a>
                <div className="muted" style={{ fontSize: "0.8rem" }}>
                  {humanize(f.kind)} · {f.subject_id}
                </div>
              </td>
              <td>{f.agent.toUpperCase()}</td>
              <td>{f.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function FindingDetail({ id }: { id: string }) {
  const finding = useApi(() => unwrap(api.GET("/api/v1/findings/{finding_id}", { params: { path: { finding_id: id } } })), [id]);
  const comments = useApi(() => unwrap(api.GET("/api/v1/findings/{finding_id}/comments", { params: { path: { finding_id: id } } })), [id]);
  const [error, setError] = useState<Error>();
  const [note, setNote] = useState("");
  const canWrite = session.can("findings:write");
  const aboutThis = (e: BusEvent) => e.source === "hexad.findings" && e.detail.finding_id === id;
  useLiveReload((e) => aboutThis(e) && e["detail-type"] === "finding.status.changed", finding.reload, 250);
  useLiveReload((e) => aboutThis(e) && e["detail-type"] === "finding.commented", comments.reload, 250);

  const act = async (action: "acknowledge" | "resolve" | "reopen") => {
    setError(undefined);
    const path = { finding_id: id };
    try {
      if (action === "acknowledge") await unwrap(api.POST("/api/v1/findings/{finding_id}/acknowledge", { params: { path } }));
      if (action === "resolve") await unwrap(api.POST("/api/v1/findings/{finding_id}/resolve", { params: { path } }));
      if (action === "reopen") await unwrap(api.POST("/api/v1/findings/{finding_id}/reopen", { params: { path } }));
      finding.reload();
      announce("findings");
    } catch (reason) {
      setError(reason as Error);
    }
  };
  const comment = async () => {
    try {
      await unwrap(api.POST("/api/v1/findings/{finding_id}/comments", { params: { path: { finding_id: id } }, body: { body: note } }));
      setNote("");
      comments.reload();
    } catch (reason) {
      setError(reason as Error);
    }
  };

  return (
    <Load loaded={finding} what="the finding">
      {(f) => (
        <article aria-label="Finding detail">
          <div className="row">
            <Severity value={f.severity} />
            <span className="badge">{f.status}</span>
            <span className="muted">score {f.score.toFixed(2)}</span>
          </div>
          <h2 style={{ marginTop: 8 }}>{f.summary}</h2>
          <div className="muted">
            {AGENTS[f.agent] ?? f.agent} · {humanize(f.kind)} · {f.subject_type} {f.subject_id} · found {fmtTime(f.created_at)}
          </div>
          <p>
            <strong>Recommended:</strong> {f.recommended_action}
          </p>
          {canWrite && (
            <div className="row" role="group" aria-label="Act on this finding">
              {f.status === "open" && (
                <button className="primary" onClick={() => act("acknowledge")}>
                  Acknowledge
                </button>
              )}
              {f.status !== "resolved" && <button onClick={() => act("resolve")}>Resolve</button>}
              {f.status !== "open" && <button onClick={() => act("reopen")}>Reopen</button>}
            </div>
          )}
          {error && <ErrorState error={error} />}
          <h3>Evidence</h3>
          <Evidence evidence={f.evidence as Record<string, unknown>} />
          <h3>Comments</h3>
          <Load loaded={comments} what="comments">
            {(rows) =>
              rows.length ? (
                <ul>
                  {rows.map((c) => (
                    <li key={c.id}>
                      <span className="muted">
                        {c.author}, {fmtTime(c.created_at)}:
                      </span>{" "}
                      {c.body}
                    </li>
                  ))}
                </ul>
              ) : (
                <div className="muted">No comments yet.</div>
              )
            }
          </Load>
          {canWrite && (
            <div className="row" style={{ marginTop: 8 }}>
              <label style={{ flex: 1 }}>
                Add a comment
                <textarea rows={2} value={note} onChange={(e) => setNote(e.target.value)} />
              </label>
              <button onClick={comment} disabled={!note.trim()}>
                Comment
              </button>
            </div>
          )}
        </article>
      )}
    </Load>
  );
}

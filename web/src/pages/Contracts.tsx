// Vendor contracts: upload (with progress), the extracted fields beside the highlighted source text,
// the renewal calendar, and workflow steps waiting for approval.
import { useRef, useState } from "react";
import { api, unwrap, type Schemas } from "../api/client";
import { allPages } from "../api/lists";
import { announce, useChanges } from "../changes";
import { Empty, ErrorState, Load } from "../components/states";
import { fmtTime, humanize } from "../format";
import { useApi } from "../hooks";
import { session } from "../session";
import { PendingApprovals } from "./Approvals";

type Term = { value: unknown; confidence?: number; span?: [number, number] | null };
type Terms = Record<string, Term>;

export function Contracts() {
  const documents = useApi(() => allPages((cursor) => unwrap(api.GET("/api/v1/contracts", { params: { query: { limit: 200, cursor } } })) as Promise<Schemas["DocumentPage"]>, 1000), []);
  useChanges("contracts", documents.reload);
  const [selected, setSelected] = useState<string>();
  const chosen = selected ?? documents.data?.[0]?.document_id;
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Contracts</h1>
          <div className="muted">Upload a contract to extract its terms; see what renews when; answer approvals.</div>
        </div>
      </div>
      <div className="grid cols-2">
        {session.can("contracts:write") && (
          <div className="panel">
            <h2>Upload</h2>
            <Upload onUploaded={(id) => setSelected(id)} />
          </div>
        )}
        <div className="panel">
          <PendingApprovals />
        </div>
      </div>
      <div className="split" style={{ marginTop: 14 }}>
        <div className="panel">
          <h2>Documents</h2>
          <Load loaded={documents} what="documents">
            {(rows) =>
              rows.length ? (
                <div className="table-wrap" style={{ maxHeight: 360, overflow: "auto" }}>
                  <table aria-label="Contract documents">
                    <thead>
                      <tr>
                        <th>Document</th>
                        <th>Contract</th>
                        <th>Vendor</th>
                        <th>Read by</th>
                        <th>Added</th>
                      </tr>
                    </thead>
                    <tbody>
                      {rows.map((d) => (
                        <tr key={d.document_id} className={d.document_id === chosen ? "selected" : ""}>
                          <td>
                            <button className="link" onClick={() => setSelected(d.document_id)} aria-pressed={d.document_id === chosen}>
                              {d.file_name}
                            </button>
                          </td>
                          <td>{d.contract_id ?? "—"}</td>
                          <td>{d.vendor_id ?? "—"}</td>
                          <td>{d.method}</td>
                          <td>{fmtTime(d.added_at)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              ) : (
                <Empty title="No contract documents yet" hint="Upload a PDF, DOCX or text contract above (or `hexad contracts add FILE`)." />
              )
            }
          </Load>
          <h2 style={{ marginTop: 16 }}>Renewal calendar</h2>
          <Load loaded={documents} what="renewals">
            {(rows) => <RenewalCalendar ids={rows.slice(0, 60).map((d) => d.document_id)} />}
          </Load>
        </div>
        <div className="panel">{chosen ? <DocumentView key={chosen} id={chosen} /> : <Empty title="Pick a document" hint="Its extracted fields and source text appear here." />}</div>
      </div>
    </>
  );
}

function Upload({ onUploaded }: { onUploaded: (id: string) => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [progress, setProgress] = useState<number>();
  const [result, setResult] = useState<Schemas["UploadOut"]>();
  const [error, setError] = useState<Error>();
  const send = () => {
    const file = input.current?.files?.[0];
    if (!file) return;
    setError(undefined);
    setResult(undefined);
    setProgress(0);
    const form = new FormData();
    form.append("file", file);
    const request = new XMLHttpRequest();
    request.open("POST", "/api/v1/contracts");
    request.setRequestHeader("Authorization", `Bearer ${session.accessToken() ?? ""}`);
    request.upload.onprogress = (e) => e.lengthComputable && setProgress(e.loaded / e.total);
    request.onload = () => {
      setProgress(undefined);
      const body = JSON.parse(request.responseText || "{}") as Schemas["UploadOut"] & { detail?: string };
      if (request.status >= 400) return setError(new Error(body.detail ?? `upload failed (${request.status})`));
      setResult(body);
      announce("contracts");
      onUploaded(body.document_id);
    };
    request.onerror = () => {
      setProgress(undefined);
      setError(new Error("The upload did not reach the server."));
    };
    request.send(form);
  };
  return (
    <>
      <div className="row">
        <label style={{ flex: 1 }}>
          Contract document (PDF, DOCX or text, at most 20 MB)
          <input ref={input} type="file" accept=".pdf,.docx,.txt,application/pdf,text/plain" />
        </label>
        <button className="primary" onClick={send} disabled={progress !== undefined} style={{ alignSelf: "flex-end" }}>
          Upload
        </button>
      </div>
      {progress !== undefined && (
        <div style={{ marginTop: 8 }}>
          <div className="progress" role="progressbar" aria-label="Upload progress" aria-valuenow={Math.round(progress * 100)} aria-valuemin={0} aria-valuemax={100}>
            <div style={{ width: `${progress * 100}%` }} />
          </div>
          <div className="muted">{progress < 1 ? `Uploading… ${Math.round(progress * 100)}%` : "Extracting the terms…"}</div>
        </div>
      )}
      {result && (
        <div role="status" style={{ marginTop: 8 }}>
          {result.duplicate ? "Already stored" : "Stored"}: {result.document_id} {result.contract_id && `(contract ${result.contract_id})`}, read by {result.method}.
          {approvalOf(result) && " Its approval workflow has started; a worker brings it to the approval step below."}
        </div>
      )}
      {error && <ErrorState error={error} />}
    </>
  );
}

/** The approval execution an upload started, on servers that start one (read loosely: older servers lack it). */
function approvalOf(result: Schemas["UploadOut"]): string | null {
  const value = (result as Record<string, unknown>).approval_execution;
  return typeof value === "string" ? value : null;
}

function DocumentView({ id }: { id: string }) {
  const loaded = useApi(() => unwrap(api.GET("/api/v1/contracts/{document_id}", { params: { path: { document_id: id } } })), [id]);
  const [focus, setFocus] = useState<string>();
  return (
    <Load loaded={loaded} what="the contract">
      {(detail) => {
        const text = detail.text ?? null;
        const terms = detail.terms as Terms;
        const entries = Object.entries(terms);
        return (
          <article aria-label="Contract detail" data-testid="contract-detail">
            <h2>{detail.file_name}</h2>
            <div className="muted">
              {detail.contract_id ?? "no contract number"} · vendor {detail.vendor_id ?? "unknown"} · {detail.pages} pages · read by {detail.method}
            </div>
            <h3>Extracted fields</h3>
            {entries.length ? (
              <table aria-label="Extracted fields">
                <thead>
                  <tr>
                    <th>Field</th>
                    <th>Value</th>
                    <th className="num">Confidence</th>
                  </tr>
                </thead>
                <tbody>
                  {entries.map(([name, term]) => (
                    <tr key={name} className={focus === name ? "selected" : ""} onMouseEnter={() => setFocus(name)}>
                      <td>
                        <button className="link" onClick={() => setFocus(name)} aria-pressed={focus === name} disabled={!term.span || !text}>
                          {humanize(name)}
                        </button>
                      </td>
                      <td>{Array.isArray(term.value) ? term.value.join("; ") : String(term.value ?? "—")}</td>
                      <td className="num">{term.confidence == null ? "—" : `${Math.round(term.confidence * 100)}%`}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <Empty title="No terms found" hint="The document's text had none of the fields the extractor looks for; check the scan quality." />
            )}
            <h3>Source text</h3>
            {text ? (
              <>
                <div className="muted" style={{ fontSize: "0.8rem" }}>
                  {SOURCE[detail.method] ?? "The document's text"}; the fields are highlighted where they were read.
                  {detail.text_truncated && " Only the beginning is shown: download the file for the rest."}
                </div>
                <Highlighted text={text} terms={terms} focus={focus} />
              </>
            ) : (
              <div className="muted">No text could be read from this document (an empty or unreadable scan); download the file to check it.</div>
            )}
          </article>
        );
      }}
    </Load>
  );
}

const SOURCE: Record<string, string> = {
  text: "The text file",
  "pdf-text": "The PDF's text layer",
  "pdf-ocr": "Text recognised (OCR) in the scanned PDF",
  "pdf-mixed": "The PDF's text layer, and OCR for its scanned pages",
  docx: "The DOCX's text",
};

function Highlighted({ text, terms, focus }: { text: string; terms: Terms; focus?: string }) {
  const spans = Object.entries(terms)
    .filter(([, t]) => t.span && t.span[1] > t.span[0])
    .map(([name, t]) => ({ name, start: t.span![0], end: t.span![1] }))
    .sort((a, b) => a.start - b.start);
  const parts: React.ReactNode[] = [];
  let at = 0;
  for (const span of spans) {
    if (span.start < at) continue;
    parts.push(text.slice(at, span.start));
    const names = spans.filter((s) => s.start === span.start).map((s) => s.name);
    const active = focus !== undefined && names.includes(focus);
    parts.push(
      <mark key={span.start} title={names.map(humanize).join(", ")} style={active ? { outline: "2px solid var(--focus)" } : undefined}>
        {text.slice(span.start, span.end)}
      </mark>,
    );
    at = span.end;
  }
  parts.push(text.slice(at));
  return (
    <pre className="json" style={{ whiteSpace: "pre-wrap", maxHeight: 420 }} data-testid="contract-text">
      {parts}
    </pre>
  );
}

function RenewalCalendar({ ids }: { ids: string[] }) {
  const loaded = useApi(() => Promise.all(ids.map((id) => unwrap(api.GET("/api/v1/contracts/{document_id}", { params: { path: { document_id: id }, query: { include_text: false } } })))), [ids.join()]);
  return (
    <Load loaded={loaded} what="renewal dates">
      {(details) => {
        const dates = details.flatMap((d) => {
          const terms = d.terms as Terms;
          const out: { date: string; what: string; contract: string }[] = [];
          const label = d.contract_id ?? d.file_name;
          if (terms.notice_deadline?.value) out.push({ date: String(terms.notice_deadline.value), what: "notice deadline", contract: label });
          if (terms.end_date?.value) out.push({ date: String(terms.end_date.value), what: terms.auto_renew?.value ? "auto-renews" : "ends", contract: label });
          return out;
        });
        const today = new Date().toISOString().slice(0, 10);
        const ahead = dates.filter((d) => d.date >= today);
        if (!ahead.length) return <Empty title="No renewals ahead" hint="Upload contracts; their coming end dates and notice deadlines appear here by month." />;
        const months = [...new Set(ahead.map((d) => d.date.slice(0, 7)))].sort().slice(0, 12);
        return (
          <div className="grid cols-3" role="list" aria-label="Renewal calendar by month">
            {months.map((month) => (
              <div key={month} className="card" role="listitem">
                <strong>{month}</strong>
                <ul style={{ paddingLeft: 16, margin: "4px 0 0" }}>
                  {ahead
                    .filter((d) => d.date.startsWith(month))
                    .map((d) => (
                      <li key={`${d.contract}-${d.what}`}>
                        {d.date.slice(8)}: {d.contract} <span className={d.what === "notice deadline" ? "warn" : "muted"}>{d.what}</span>
                      </li>
                    ))}
                </ul>
              </div>
            ))}
          </div>
        );
      }}
    </Load>
  );
}

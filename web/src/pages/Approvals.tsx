// Workflow steps waiting for a person (`.waitForTaskToken` tasks): approve or reject them.
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { announce, useChanges } from "../changes";
import { ErrorState } from "../components/states";
import { fmtTime } from "../format";
import { useApi } from "../hooks";
import { useLiveReload } from "../live";
import { session } from "../session";
import { currentState, pendingToken, type HistoryEvent } from "../workflow";

async function loadPending(machine?: string) {
  const running = await unwrap(
    api.GET("/api/v1/workflows/executions", { params: { query: { status: "RUNNING", limit: 50, ...(machine ? { state_machine: machine } : {}) } } }),
  );
  const withHistory = await Promise.all(
    running.items.map(async (execution) => {
      const history = (await unwrap(
        api.GET("/api/v1/workflows/executions/{execution_id}/history", { params: { path: { execution_id: execution.execution_id } } }),
      )) as unknown as HistoryEvent[];
      return { execution, state: currentState(history), pending: pendingToken(history) };
    }),
  );
  return withHistory.filter((row) => row.pending !== null);
}

export function PendingApprovals({ machine }: { machine?: string }) {
  const pending = useApi(() => loadPending(machine), [machine]);
  useChanges("workflows", pending.reload);
  useLiveReload((e) => e.source === "hexad.workflow" || e["detail-type"].endsWith(".requested"), pending.reload, 500);
  const [error, setError] = useState<Error>();
  const [done, setDone] = useState<string>();
  const canApprove = session.can("workflows:approve");

  const answer = async (token: string, approve: boolean, name: string) => {
    setError(undefined);
    try {
      if (approve) await unwrap(api.POST("/api/v1/workflows/tasks/{token}/approve", { params: { path: { token } }, body: { output: { approved: true, by: session.claims()?.sub } } }));
      else await unwrap(api.POST("/api/v1/workflows/tasks/{token}/reject", { params: { path: { token } }, body: { error: "Rejected", cause: `rejected by ${session.claims()?.sub}` } }));
      setDone(`${approve ? "Approved" : "Rejected"} the step of ${name}.`);
      announce("workflows");
      pending.reload();
    } catch (reason) {
      setError(reason as Error);
    }
  };

  if (pending.error) return <ErrorState error={pending.error} retry={pending.reload} />;
  const rows = pending.data ?? [];
  return (
    <div aria-label="Steps waiting for approval" role="region" style={{ marginBottom: 12 }}>
      <h3>Waiting for approval ({rows.length})</h3>
      {done && <div role="status">{done}</div>}
      {error && <ErrorState error={error} />}
      {rows.length === 0 ? (
        <div className="muted">No step is waiting for a person.</div>
      ) : (
        <table aria-label="Pending approvals">
          <thead>
            <tr>
              <th>Execution</th>
              <th>Step</th>
              <th>Asks</th>
              <th>Since</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map(({ execution, state, pending: p }) => (
              <tr key={execution.execution_id}>
                <td>
                  {execution.name} <span className="muted">({execution.state_machine})</span>
                </td>
                <td>{state}</td>
                <td>{describeRequest(p!.detail)}</td>
                <td>{fmtTime(execution.started_at)}</td>
                <td>
                  {canApprove ? (
                    <div className="row">
                      <button className="primary" onClick={() => answer(p!.token, true, execution.name)}>
                        Approve
                      </button>
                      <button className="danger" onClick={() => answer(p!.token, false, execution.name)}>
                        Reject
                      </button>
                    </div>
                  ) : (
                    <span className="muted">needs an approver</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function describeRequest(detail: Record<string, unknown>): string {
  const parts = Object.entries(detail)
    .filter(([key, value]) => !["token", "taskToken", "TaskToken", "execution"].includes(key) && typeof value !== "object")
    .map(([key, value]) => `${key}: ${String(value)}`);
  return parts.join(", ") || "a decision";
}

// Workflow steps waiting for a person (`.waitForTaskToken` tasks, from the API's task list): approve or reject them.
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { announce, useChanges } from "../changes";
import { ErrorState } from "../components/states";
import { fmtTime } from "../format";
import { useApi } from "../hooks";
import { useLiveReload } from "../live";
import { session } from "../session";
import { taskRequest } from "../workflow";

/** Waiting task tokens (`GET /workflows/tasks`), each with its execution's name and state machine. */
async function loadPending(machine?: string) {
  const tasks = await unwrap(api.GET("/api/v1/workflows/tasks", { params: { query: machine ? { state_machine: machine } : {} } }));
  const ids = [...new Set(tasks.items.map((t) => t.execution_id))];
  const executions = await Promise.all(ids.map((id) => unwrap(api.GET("/api/v1/workflows/executions/{execution_id}", { params: { path: { execution_id: id } } }))));
  const byId = new Map(executions.map((e) => [e.execution_id, e]));
  return tasks.items.map((task) => ({ task, execution: byId.get(task.execution_id)! }));
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
            {rows.map(({ task, execution }) => (
              <tr key={task.token}>
                <td>
                  {execution.name} <span className="muted">({execution.state_machine})</span>
                </td>
                <td>{task.state}</td>
                <td>{describeRequest(taskRequest(task.request))}</td>
                <td>{fmtTime(task.since)}</td>
                <td>
                  {canApprove ? (
                    <div className="row">
                      <button className="primary" onClick={() => answer(task.token, true, execution.name)}>
                        Approve
                      </button>
                      <button className="danger" onClick={() => answer(task.token, false, execution.name)}>
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

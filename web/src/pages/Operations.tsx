// The runtime at work: live events (pattern filter), agent mailboxes, queues and dead letters with
// redrive, workflow executions drawn on their state graph.
import { useEffect, useRef, useState } from "react";
import { api, unwrap, type Schemas } from "../api/client";
import { Chart } from "../charts";
import { announce, useChanges } from "../changes";
import { Empty, ErrorState, Load } from "../components/states";
import { WorkflowGraph } from "../components/WorkflowGraph";
import { fmtTime } from "../format";
import { useApi } from "../hooks";
import { useLiveReload, type BusEvent } from "../live";
import { session } from "../session";
import { currentState, pendingToken, visitedStates, type HistoryEvent } from "../workflow";
import { PendingApprovals } from "./Approvals";

export function Operations() {
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Operations</h1>
          <div className="muted">Events as they happen, the agents' mailboxes, dead letters and workflow executions.</div>
        </div>
      </div>
      <div className="grid cols-2">
        <EventStream />
        <ActorTree />
      </div>
      <div style={{ marginTop: 14 }}>
        <Queues />
      </div>
      <div style={{ marginTop: 14 }}>
        <Workflows />
      </div>
    </>
  );
}

const EXAMPLE = '{"source": [{"prefix": "hexad."}]}';

/** Its own WebSocket, so the server applies the pattern (the same matcher the rules use). */
function EventStream() {
  const [draft, setDraft] = useState("");
  const [pattern, setPattern] = useState<string>("");
  const [events, setEvents] = useState<BusEvent[]>([]);
  const [problem, setProblem] = useState<string>();
  const recent = useApi(
    () => {
      const start = new Date(Date.now() - 3600_000).toISOString(); // the last hour's events, then live ones
      return unwrap(api.GET("/api/v1/events", { params: { query: { limit: 100, start, ...(pattern ? { pattern } : {}) } } }));
    },
    [pattern],
  );
  const socket = useRef<WebSocket | null>(null);

  useEffect(() => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/api/v1/live`);
    socket.current = ws;
    ws.onopen = () => ws.send(JSON.stringify({ token: session.accessToken(), pattern: pattern ? JSON.parse(pattern) : null }));
    ws.onmessage = (message) => {
      const data = JSON.parse(String(message.data)) as { type: string; event?: BusEvent };
      if (data.type === "event" && data.event) setEvents((list) => [data.event!, ...list].slice(0, 200));
    };
    ws.onclose = (close) => {
      if (close.code === 4400) setProblem(`The server refused the pattern: ${close.reason}`);
    };
    return () => ws.close();
  }, [pattern]);

  const apply = () => {
    setProblem(undefined);
    if (draft.trim()) {
      try {
        JSON.parse(draft);
      } catch {
        setProblem(`Not JSON. An example: ${EXAMPLE}`);
        return;
      }
    }
    setEvents([]);
    setPattern(draft.trim());
  };
  const archived = (recent.data ?? []) as BusEvent[];
  const shown = [...events, ...archived.slice().reverse()];
  return (
    <section className="panel" aria-labelledby="events-title">
      <h2 id="events-title">Live events</h2>
      <div className="row" style={{ marginBottom: 8 }}>
        <label style={{ flex: 1 }}>
          Event pattern (JSON, as in rules)
          <input value={draft} placeholder={EXAMPLE} onChange={(e) => setDraft(e.target.value)} onKeyDown={(e) => e.key === "Enter" && apply()} />
        </label>
        <button onClick={apply} style={{ alignSelf: "flex-end" }}>
          Filter
        </button>
      </div>
      {problem && (
        <div className="error-text" role="alert">
          {problem}
        </div>
      )}
      <div className="events" aria-live="polite" data-testid="event-stream">
        {shown.length ? (
          <ul>
            {shown.map((e, i) => (
              <li key={`${e.id}-${i}`} title={JSON.stringify(e.detail)}>
                <span className="muted">{fmtTime(e.time)}</span> <strong>{e["detail-type"]}</strong> <span className="muted">{e.source}</span>{" "}
                {summarize(e.detail)}
              </li>
            ))}
          </ul>
        ) : (
          <Empty title="No events match" hint="Events appear as agents, imports and people act. Clear the pattern to see everything." />
        )}
      </div>
    </section>
  );
}

function summarize(detail: Record<string, unknown>): string {
  return Object.entries(detail ?? {})
    .filter(([, v]) => typeof v !== "object")
    .slice(0, 4)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(" ");
}

/** The worker's supervision tree as the agents route reports it: each agent actor with its mailbox. */
function ActorTree() {
  const agents = useApi(() => unwrap(api.GET("/api/v1/agents")), []);
  useLiveReload(() => true, agents.reload, 3000);
  return (
    <section className="panel" aria-labelledby="actors-title">
      <h2 id="actors-title">Agent actors and mailboxes</h2>
      <Load loaded={agents} what="agents">
        {(rows) => {
          if (!rows.length) return <Empty title="No agents registered" hint="`hexad worker` (or `hexad demo run`) installs the agents' rules and mailboxes." />;
          const tone = (health: string) => (health === "failing" ? "#d64545" : health === "degraded" ? "#e8833a" : health === "idle" ? "#8a94a8" : "#14a37f");
          const tree = {
            name: "worker supervisor",
            children: rows.map((agent) => ({
              name: `${agent.name.toUpperCase()} actor (${agent.health})`,
              itemStyle: { color: tone(agent.health), borderColor: tone(agent.health) },
              children: agent.mailbox
                ? [
                    { name: `${agent.mailbox.queue}: ${agent.mailbox.visible} waiting, ${agent.mailbox.in_flight} in flight` },
                    { name: `dead letters: ${agent.mailbox.dead_letters}`, itemStyle: { color: agent.mailbox.dead_letters ? "#d64545" : undefined } },
                  ]
                : [{ name: "no mailbox yet" }],
            })),
          };
          return (
            <Chart
              height={360}
              label={`Supervision tree: the worker supervises ${rows.length} agent actors; ${rows.map((a) => `${a.name} ${a.health}`).join(", ")}`}
              option={{
                tooltip: { trigger: "item" },
                series: [
                  {
                    type: "tree",
                    data: [tree],
                    top: 10,
                    left: 110,
                    bottom: 10,
                    right: 230,
                    symbolSize: 10,
                    initialTreeDepth: 3,
                    label: { position: "left", verticalAlign: "middle", align: "right", fontSize: 11 },
                    leaves: { label: { position: "right", align: "left" } },
                  },
                ],
              }}
            />
          );
        }}
      </Load>
    </section>
  );
}

function Queues() {
  const queues = useApi(() => unwrap(api.GET("/api/v1/queues")), []);
  useChanges("queues", queues.reload);
  useLiveReload(() => true, queues.reload, 3000);
  const [message, setMessage] = useState<string>();
  const [error, setError] = useState<Error>();
  const canRedrive = session.can("queues:write");
  const redrive = async (name: string) => {
    setError(undefined);
    try {
      const out = await unwrap(api.POST("/api/v1/queues/{name}/redrive", { params: { path: { name }, query: {} } }));
      setMessage(`Moved ${out.moved} messages from ${name} back to their queue.`);
      announce("queues");
    } catch (reason) {
      setError(reason as Error);
    }
  };
  return (
    <section className="panel" aria-labelledby="queues-title">
      <h2 id="queues-title">Queues and dead letters</h2>
      {message && <div role="status">{message}</div>}
      {error && <ErrorState error={error} />}
      <Load loaded={queues} what="queues">
        {(rows) =>
          rows.length ? (
            <table aria-label="Queues">
              <thead>
                <tr>
                  <th>Queue</th>
                  <th className="num">Waiting</th>
                  <th className="num">In flight</th>
                  <th className="num">Delayed</th>
                  <th>Dead letters go to</th>
                  <th className="num">Max receives</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {rows.map((q: Schemas["QueueOut"]) => {
                  const isDlq = rows.some((other) => other.dead_letter_queue === q.name);
                  return (
                    <tr key={q.name}>
                      <td>
                        {q.name} {isDlq && <span className="badge warn">DLQ</span>} {q.fifo && <span className="badge">FIFO</span>}
                      </td>
                      <td className={`num ${isDlq && q.visible ? "bad" : ""}`}>{q.visible}</td>
                      <td className="num">{q.in_flight}</td>
                      <td className="num">{q.delayed}</td>
                      <td>{q.dead_letter_queue ?? "—"}</td>
                      <td className="num">{q.max_receive_count}</td>
                      <td>
                        {isDlq && canRedrive && (
                          <button onClick={() => redrive(q.name)} disabled={!q.visible} aria-label={`Redrive ${q.name}`}>
                            Redrive
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          ) : (
            <Empty title="No queues" hint="Queues appear when a worker or a rule target creates them." />
          )
        }
      </Load>
    </section>
  );
}

function Workflows() {
  const executions = useApi(() => unwrap(api.GET("/api/v1/workflows/executions", { params: { query: { limit: 50 } } })), []);
  useChanges("workflows", executions.reload);
  useLiveReload((e) => e.source === "hexad.workflow" || e["detail-type"].includes("workflow") || e["detail-type"].includes("execution"), executions.reload, 1000);
  const [selected, setSelected] = useState<string>();
  const items = executions.data?.items ?? [];
  const chosen = selected ?? items[0]?.execution_id;
  return (
    <section className="panel" aria-labelledby="workflows-title">
      <h2 id="workflows-title">Workflow executions</h2>
      <PendingApprovals />
      <Load loaded={executions} what="executions">
        {(page) =>
          page.items.length ? (
            <div>
              <table aria-label="Workflow executions">
                <thead>
                  <tr>
                    <th>Execution</th>
                    <th>State machine</th>
                    <th>Status</th>
                    <th>Started</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((x) => (
                    <tr key={x.execution_id} className={x.execution_id === chosen ? "selected" : ""}>
                      <td>
                        <button className="link" onClick={() => setSelected(x.execution_id)} aria-pressed={x.execution_id === chosen}>
                          {x.name}
                        </button>
                      </td>
                      <td>{x.state_machine}</td>
                      <td>
                        <span className={`badge ${x.status === "SUCCEEDED" ? "ok" : x.status === "RUNNING" ? "warn" : "bad"}`}>{x.status}</span>
                      </td>
                      <td>{fmtTime(x.started_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {chosen && <ExecutionGraph key={chosen} execution={page.items.find((x) => x.execution_id === chosen)!} />}
            </div>
          ) : (
            <Empty title="No workflow executions yet" hint="Start one with `hexad workflows start NAME` or upload a contract; a worker (`hexad worker`) drives them." />
          )
        }
      </Load>
    </section>
  );
}

function ExecutionGraph({ execution }: { execution: Schemas["ExecutionOut"] }) {
  const loaded = useApi(async () => {
    const [machine, history] = await Promise.all([
      unwrap(api.GET("/api/v1/workflows/{name}", { params: { path: { name: execution.state_machine } } })),
      unwrap(api.GET("/api/v1/workflows/executions/{execution_id}/history", { params: { path: { execution_id: execution.execution_id } } })),
    ]);
    return { machine, history: history as unknown as HistoryEvent[] };
  }, [execution.execution_id, execution.status]);
  useLiveReload((e) => JSON.stringify(e.detail).includes(execution.execution_id), loaded.reload, 500);
  return (
    <Load loaded={loaded} what="the execution">
      {({ machine, history }) => {
        const current = execution.status === "RUNNING" ? currentState(history) : null;
        const pending = pendingToken(history);
        return (
          <div>
            <div className="muted">
              {execution.status !== "RUNNING" ? `Finished: ${execution.status}` : current ? `Now in ${current}` : "Waiting for a worker (`hexad worker`) to start it"}
              {pending && " · waiting for a person"}
              {execution.error && ` · ${execution.error}: ${execution.cause ?? ""}`}
            </div>
            <WorkflowGraph definition={machine.definition as Record<string, unknown>} visited={visitedStates(history)} current={current} label={`State graph of ${machine.name}`} />
            <div className="row muted" style={{ fontSize: "0.8rem" }}>
              <span><span className="live-dot live" />visited</span>
              <span><span className="live-dot connecting" />current</span>
              <span><span className="live-dot" />not reached</span>
            </div>
          </div>
        );
      }}
    </Load>
  );
}

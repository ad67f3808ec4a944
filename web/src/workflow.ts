// Reading ASL definitions and execution histories: the state graph, where an execution is, and
// which `.waitForTaskToken` task is waiting for a person.

export interface GraphNode {
  name: string;
  type: string;
  x: number;
  y: number;
}
export interface GraphEdge {
  from: string;
  to: string;
  label: string;
}
export interface HistoryEvent {
  id: number;
  type: string;
  timestamp: string;
  details: Record<string, unknown>;
}

type StateDef = Record<string, unknown> & { Type?: string; Next?: string; Default?: string };

/** States and transitions of a definition (top level), laid out in columns by distance from StartAt. */
export function stateGraph(definition: Record<string, unknown>): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const states = (definition.States ?? {}) as Record<string, StateDef>;
  const edges: GraphEdge[] = [];
  for (const [name, state] of Object.entries(states)) {
    if (state.Next) edges.push({ from: name, to: state.Next, label: "" });
    if (state.Default) edges.push({ from: name, to: state.Default, label: "default" });
    for (const choice of (state.Choices as StateDef[] | undefined) ?? []) if (choice.Next) edges.push({ from: name, to: choice.Next, label: "choice" });
    for (const katch of (state.Catch as { Next?: string; ErrorEquals?: string[] }[] | undefined) ?? [])
      if (katch.Next) edges.push({ from: name, to: katch.Next, label: (katch.ErrorEquals ?? []).join(", ") });
  }
  const depth = new Map<string, number>();
  const start = String(definition.StartAt ?? Object.keys(states)[0] ?? "");
  const queue = [start];
  depth.set(start, 0);
  while (queue.length) {
    const current = queue.shift()!;
    for (const edge of edges.filter((e) => e.from === current))
      if (!depth.has(edge.to)) {
        depth.set(edge.to, depth.get(current)! + 1);
        queue.push(edge.to);
      }
  }
  const perColumn = new Map<number, number>();
  const nodes = Object.entries(states).map(([name, state]) => {
    const x = depth.get(name) ?? Math.max(0, ...depth.values()) + 1;
    const y = perColumn.get(x) ?? 0;
    perColumn.set(x, y + 1);
    return { name, type: String(state.Type ?? ""), x, y };
  });
  return { nodes, edges: edges.filter((e) => e.to in states) };
}

/** States the execution entered, in order. */
export function visitedStates(history: HistoryEvent[]): string[] {
  return history.filter((e) => e.type.endsWith("StateEntered")).map((e) => String(e.details.name ?? ""));
}

/** The state an execution is in: the last one entered and not yet exited. */
export function currentState(history: HistoryEvent[]): string | null {
  const open: string[] = [];
  for (const event of history) {
    const name = String(event.details.name ?? "");
    if (event.type.endsWith("StateEntered")) open.push(name);
    if (event.type.endsWith("StateExited")) open.splice(open.lastIndexOf(name), 1);
  }
  return open[open.length - 1] ?? null;
}

/** The task token a person must answer: a scheduled task that handed out a token (TaskSubmitted) and
 * has had no answer since. The token is wherever the task's parameters carry it. */
export function pendingToken(history: HistoryEvent[]): { token: string; detail: Record<string, unknown> } | null {
  let scheduled: { token: string; detail: Record<string, unknown> } | null = null;
  let pending: { token: string; detail: Record<string, unknown> } | null = null;
  for (const event of history) {
    if (event.type === "TaskScheduled") {
      const found = findToken(event.details.parameters);
      scheduled = found ? { token: found.token, detail: found.holder } : null;
    }
    if (event.type === "TaskSubmitted") pending = scheduled;
    if (["TaskSucceeded", "TaskFailed", "TaskTimedOut"].includes(event.type)) pending = null;
    if (/^Execution(Succeeded|Failed|Aborted|TimedOut)$/.test(event.type)) pending = null;
  }
  return pending;
}

/** What a waiting task asked (`GET /workflows/tasks` → `request`): the object that carries its token,
 * wherever the parameters nest it (an event entry's JSON `Detail`, say), else the parameters. */
export function taskRequest(request: unknown): Record<string, unknown> {
  const found = findToken(request);
  if (found) return found.holder;
  return request && typeof request === "object" && !Array.isArray(request) ? (request as Record<string, unknown>) : {};
}

function findToken(value: unknown): { token: string; holder: Record<string, unknown> } | null {
  if (typeof value === "string" && /^\s*[[{]/.test(value)) {
    try {
      return findToken(JSON.parse(value));
    } catch {
      return null;
    }
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findToken(item);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    for (const key of ["token", "taskToken", "TaskToken"]) if (typeof record[key] === "string") return { token: record[key] as string, holder: record };
    for (const inner of Object.values(record)) {
      const found = findToken(inner);
      if (found) return found;
    }
  }
  return null;
}

// The conversation with Hexad for this tab: one store, so the side panel and the /ask page show the same turns.
import { useSyncExternalStore } from "react";
import { api, ApiError, problemText } from "../api/client";
import { session } from "../session";
import { readSse } from "./sse";
import { applyEvent, newTurn, parseAskEvent, type Turn } from "./turn";

let turns: Turn[] = [];
let running: AbortController | null = null;
const listeners = new Set<() => void>();

function set(next: Turn[]): void {
  turns = next;
  listeners.forEach((listener) => listener());
}

function update(id: number, change: (turn: Turn) => Turn): void {
  set(turns.map((turn) => (turn.id === id ? change(turn) : turn)));
}

/** Ask a question; its turn fills in as the server streams tool calls, text and the final answer. */
export async function ask(question: string): Promise<void> {
  running?.abort();
  const controller = (running = new AbortController());
  const id = (turns.at(-1)?.id ?? 0) + 1;
  set([...turns, newTurn(id, question)]);
  try {
    const { data, error, response } = await api.POST("/api/v1/ask/stream", {
      body: { question },
      parseAs: "stream",
      signal: controller.signal,
    });
    if (!response.ok || !data) throw new ApiError(response.status, problemText(error, response));
    for await (const message of readSse(data)) {
      const event = parseAskEvent(message);
      if (event) update(id, (turn) => applyEvent(turn, event));
    }
    update(id, (turn) => (turn.status === "asking" ? { ...turn, status: "failed", error: new ApiError(502, "the answer stream ended early") } : turn));
  } catch (reason) {
    const stopped = controller.signal.aborted;
    const error = reason instanceof Error ? reason : new Error(String(reason));
    update(id, (turn) => ({ ...turn, status: stopped ? "stopped" : "failed", error: stopped ? undefined : toApiError(error) }));
  } finally {
    if (running === controller) running = null;
  }
}

/** A network failure (fetch's TypeError) reads as "the API did not answer". */
function toApiError(error: Error): Error {
  return error instanceof ApiError ? error : new ApiError(0, error.message);
}

export function stop(): void {
  running?.abort();
}

export function clear(): void {
  stop();
  set([]);
}

const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};

// A conversation belongs to who asked: signing out forgets it.
session.subscribe(() => {
  if (!session.accessToken()) clear();
});

export function useConversation(): Turn[] {
  return useSyncExternalStore(subscribe, () => turns);
}

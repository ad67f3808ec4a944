// One question and what came back, folded from the stream's events (pure, so it is tested without a server).
import type { Schemas } from "../api/client";
import type { SseMessage } from "./sse";

export type Answer = Schemas["Answer"];
export type AnswerPart = Schemas["AnswerPart"];
export type ToolCall = Schemas["ToolCallRecord"] & { index: number };

export type AskEvent =
  | ({ type: "call" } & ToolCall)
  | { type: "delta"; text: string }
  | { type: "answer"; answer: Answer };

export interface Turn {
  id: number;
  question: string;
  status: "asking" | "done" | "failed" | "stopped";
  calls: ToolCall[];
  text: string;
  answer?: Answer;
  error?: Error;
}

/** The event an SSE message carries, or null for one this dashboard does not know (ignored). */
export function parseAskEvent(message: SseMessage): AskEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(message.data);
  } catch {
    return null;
  }
  if (!value || typeof value !== "object") return null;
  const event = value as { type?: unknown };
  if (event.type === "call" && typeof (value as ToolCall).tool === "string") return value as AskEvent;
  if (event.type === "delta" && typeof (value as { text?: unknown }).text === "string") return value as AskEvent;
  if (event.type === "answer" && typeof (value as { answer?: unknown }).answer === "object") return value as AskEvent;
  return null;
}

export function newTurn(id: number, question: string): Turn {
  return { id, question, status: "asking", calls: [], text: "" };
}

/** The turn after `event`: calls appear as they finish, text grows, the answer replaces both. */
export function applyEvent(turn: Turn, event: AskEvent): Turn {
  if (event.type === "call") {
    const { type: _type, ...call } = event;
    return { ...turn, calls: [...turn.calls.filter((c) => c.index !== call.index), call] };
  }
  if (event.type === "delta") return { ...turn, text: turn.text + event.text };
  const calls = event.answer.calls.map((call, i) => ({ ...call, index: i + 1 }));
  return { ...turn, status: "done", answer: event.answer, calls, text: event.answer.text };
}

/** The table a call's result came back as (the answer's parts cite their call by number). */
export function tableFor(turn: Turn, index: number): AnswerPart | undefined {
  return turn.answer?.parts.find((part) => part.kind === "table" && part.source === index);
}

/** Answer text cut into plain runs and citations `[n]` of call n. */
export function citations(text: string): (string | { cite: number })[] {
  const out: (string | { cite: number })[] = [];
  let last = 0;
  for (const match of text.matchAll(/\[(\d+)\]/g)) {
    if (match.index > last) out.push(text.slice(last, match.index));
    out.push({ cite: Number(match[1]) });
    last = match.index + match[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** What a refused tool call (`needs the 'spend:read' permission`) asks of the person. */
export function missingPermission(error: string | null | undefined): string | null {
  const match = /needs the '([a-z_]+:[a-z_]+)' permission/.exec(error ?? "");
  return match ? match[1] : null;
}

// One question and its answer: the tool calls as they finish, then the cited answer text.
import { ApiError } from "../api/client";
import { citations, tableFor, type Turn } from "../ask/turn";
import { AskResult } from "./AskResult";

export function AskTurn({ turn, prefix }: { turn: Turn; prefix: string }) {
  const anchor = (index: number) => `${prefix}-${turn.id}-source-${index}`;
  return (
    <article className="ask-turn" aria-label={`Question ${turn.id}: ${turn.question}`}>
      <div className="ask-question">
        <span className="muted">You asked</span> {turn.question}
      </div>
      {turn.text && (
        <div className="ask-answer" data-testid="ask-answer" aria-live="polite">
          {citations(turn.text).map((piece, i) =>
            typeof piece === "string" ? (
              <span key={i}>{piece}</span>
            ) : (
              <a key={i} href={`#${anchor(piece.cite)}`} onClick={(e) => jump(e, anchor(piece.cite))} aria-label={`source ${piece.cite}`}>
                [{piece.cite}]
              </a>
            ),
          )}
        </div>
      )}
      {turn.answer?.notes?.map((note) => (
        <div key={note} className="muted" role="note">
          Note: {note}
        </div>
      ))}
      {turn.status === "asking" && (
        <div className="muted" role="status">
          {turn.calls.length ? `Ran ${turn.calls.length} tool call${turn.calls.length > 1 ? "s" : ""}, writing the answer…` : "Working out which tools to use…"}
        </div>
      )}
      {turn.status === "stopped" && <div className="muted">Stopped.</div>}
      {turn.error && <AskFailure error={turn.error} />}
      {turn.calls.map((call) => (
        <AskResult key={call.index} call={call} table={tableFor(turn, call.index)} anchor={anchor(call.index)} />
      ))}
      {turn.answer && <div className="muted ask-meta">{turn.answer.mode === "offline" ? "Answered offline from the agents' tools" : `Answered with ${turn.answer.mode}`}</div>}
    </article>
  );
}

function jump(event: React.MouseEvent, id: string): void {
  const target = document.getElementById(id);
  if (!target) return;
  event.preventDefault();
  target.scrollIntoView({ behavior: "smooth", block: "nearest" });
  target.focus({ preventScroll: true });
}

function AskFailure({ error }: { error: Error }) {
  const status = error instanceof ApiError ? error.status : 0;
  const hint =
    status === 403
      ? "Your role may not ask Hexad. Ask an administrator for access."
      : status === 401
        ? "Your session ended. Sign in again."
        : status === 0
          ? "The API did not answer. Is `hexad serve` running? Then ask again."
          : status === 422
            ? "Hexad could not read the question. Shorten it (at most 2,000 characters) and ask again."
            : "Ask again; if it keeps failing, check the server log.";
  return (
    <div className="state error" role="alert">
      <strong>No answer: {error.message}</strong>
      <div>{hint}</div>
    </div>
  );
}

// The conversation with Hexad: example questions, the turns so far, and the question box.
import { useEffect, useRef, useState } from "react";
import { ask, clear, stop, useConversation } from "../ask/conversation";
import { EXAMPLES } from "../ask/examples";
import { session } from "../session";
import { AskTurn } from "./AskTurn";
import "./ask.css";

export function AskConversation({ prefix, autoFocus = false }: { prefix: string; autoFocus?: boolean }) {
  const turns = useConversation();
  const [question, setQuestion] = useState("");
  const box = useRef<HTMLTextAreaElement>(null);
  const end = useRef<HTMLDivElement>(null);
  const asking = turns.at(-1)?.status === "asking";
  const examples = EXAMPLES.filter((e) => !e.permission || session.can(e.permission));

  useEffect(() => {
    if (autoFocus) box.current?.focus();
  }, [autoFocus]);
  useEffect(() => {
    end.current?.scrollIntoView({ block: "nearest" }); // (it returns a promise in newer browsers: not a clean-up)
  }, [turns.length]);

  const send = (text: string) => {
    const trimmed = text.trim();
    if (!trimmed || asking) return;
    setQuestion("");
    void ask(trimmed);
  };

  return (
    <div className="ask">
      <div className="ask-turns">
        {turns.length === 0 && (
          <div className="ask-intro">
            <p className="muted">
              Ask about clients, findings, spend, licences, the pipeline or technicians. Hexad runs the agents' tools your role may use and
              cites each result as [n].
            </p>
            <div className="ask-examples" role="group" aria-label="Example questions">
              {examples.map((e) => (
                <button key={e.question} onClick={() => send(e.question)}>
                  {e.question}
                </button>
              ))}
            </div>
          </div>
        )}
        {turns.map((turn) => (
          <AskTurn key={turn.id} turn={turn} prefix={prefix} />
        ))}
        <div ref={end} />
      </div>
      <form
        className="ask-form"
        onSubmit={(e) => {
          e.preventDefault();
          send(question);
        }}
      >
        <label>
          Your question
          <textarea
            ref={box}
            rows={2}
            maxLength={2000}
            value={question}
            onChange={(e) => setQuestion(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.shiftKey) {
                e.preventDefault();
                send(question);
              }
            }}
            placeholder="Why is Contoso's margin falling and what should we do?"
          />
        </label>
        <div className="row">
          {asking ? (
            <button type="button" onClick={stop}>
              Stop
            </button>
          ) : (
            <button type="submit" className="primary" disabled={!question.trim()}>
              Ask
            </button>
          )}
          {turns.length > 0 && !asking && (
            <button type="button" onClick={clear}>
              New conversation
            </button>
          )}
          <span className="muted" style={{ fontSize: "0.8rem" }}>
            Enter sends, Shift+Enter starts a new line
          </span>
        </div>
      </form>
    </div>
  );
}

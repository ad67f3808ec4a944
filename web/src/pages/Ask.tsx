// /ask: the conversation with Hexad on a page of its own (the same turns as the side panel).
import { AskConversation } from "../components/AskConversation";
import { Empty } from "../components/states";
import { session } from "../session";

export function Ask() {
  if (!session.can("ask:use"))
    return <Empty title="Your role may not ask Hexad" hint="Ask an administrator for a role that includes ask:use." />;
  return (
    <div className="ask-page">
      <div className="page-head">
        <div>
          <h1>Ask Hexad</h1>
          <div className="muted">Questions answered with the agents' tools; every figure cites the table it came from.</div>
        </div>
      </div>
      <div className="panel" style={{ display: "flex", flexDirection: "column", flex: 1, minHeight: 0 }}>
        <AskConversation prefix="page" autoFocus />
      </div>
    </div>
  );
}

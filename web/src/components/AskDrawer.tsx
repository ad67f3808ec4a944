// "Ask Hexad" from any page: a button in the sidebar that opens the conversation in a side panel.
import { useEffect, useRef, useState } from "react";
import { Link, useLocation } from "react-router-dom";
import { session } from "../session";
import { AskConversation } from "./AskConversation";

export function AskDrawer() {
  const [open, setOpen] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  const location = useLocation();
  const close = () => {
    setOpen(false);
    opener.current?.focus();
  };
  useEffect(() => {
    setOpen(false);
  }, [location.pathname]);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && close();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [open]);
  if (!session.can("ask:use") || location.pathname === "/ask") return null;
  return (
    <>
      <button ref={opener} className="primary" onClick={() => setOpen((o) => !o)} aria-expanded={open} aria-controls="ask-drawer">
        Ask Hexad
      </button>
      {open && (
        <aside id="ask-drawer" className="ask-drawer" role="dialog" aria-label="Ask Hexad">
          <div className="row" style={{ justifyContent: "space-between" }}>
            <h2 style={{ margin: 0 }}>Ask Hexad</h2>
            <div className="row">
              <Link to="/ask">Open as a page</Link>
              <button onClick={close} aria-label="Close Ask Hexad">
                Close
              </button>
            </div>
          </div>
          <AskConversation prefix="drawer" autoFocus />
        </aside>
      )}
    </>
  );
}

// The in-app notifications bell: unread count, the latest notifications, mark read.
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { fmtTime } from "../format";
import { useApi } from "../hooks";
import { useLiveReload } from "../live";

export function Bell() {
  const inbox = useApi(() => unwrap(api.GET("/api/v1/notifications/inbox", { params: { query: { limit: 20 } } })), []);
  useLiveReload((e) => e["detail-type"].startsWith("notification"), inbox.reload, 500);
  const [open, setOpen] = useState(false);
  const unread = inbox.data?.unread ?? 0;
  const markAll = async () => {
    await unwrap(api.POST("/api/v1/notifications/inbox/read", { body: {} })).catch(() => undefined);
    inbox.reload();
  };
  if (inbox.error && !inbox.data) return null; // notifications are optional; the rest of the page works
  return (
    <div style={{ position: "relative" }}>
      <button onClick={() => setOpen((o) => !o)} aria-expanded={open} aria-controls="bell-list" style={{ width: "100%" }}>
        Notifications {unread > 0 && <span className="count" aria-label={`${unread} unread`}>{unread}</span>}
      </button>
      {open && (
        <div id="bell-list" className="panel" role="region" aria-label="Notifications" style={{ position: "absolute", bottom: "110%", left: 0, width: 340, maxHeight: 380, overflow: "auto", zIndex: 5 }}>
          <div className="row" style={{ justifyContent: "space-between" }}>
            <strong>Notifications</strong>
            <button onClick={markAll} disabled={!unread}>
              Mark all read
            </button>
          </div>
          {inbox.data?.items.length ? (
            <ul style={{ listStyle: "none", padding: 0 }}>
              {inbox.data.items.map((n) => (
                <li key={n.id} style={{ padding: "6px 0", borderBottom: "1px solid var(--border)", fontWeight: n.read_at ? 400 : 600 }}>
                  {n.link.startsWith("/") ? <a href={n.link}>{n.title}</a> : n.title}
                  <div className="muted" style={{ fontSize: "0.8rem", fontWeight: 400 }}>
                    {n.text} · {fmtTime(new Date(n.created_at * 1000).toISOString())}
                  </div>
                </li>
              ))}
            </ul>
          ) : (
            <div className="muted" style={{ padding: "8px 0" }}>
              Nothing yet. Subscribe to a topic (e.g. findings) to hear about new findings here.
            </div>
          )}
        </div>
      )}
    </div>
  );
}

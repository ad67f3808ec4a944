// The in-app notifications bell: unread count, the latest notifications, open the finding, mute its subject.
import { useState } from "react";
import { Link } from "react-router-dom";
import { api, unwrap, type Schemas } from "../api/client";
import { fmtTime } from "../format";
import { useApi } from "../hooks";
import { useLiveReload } from "../live";
import { findingHref, findingId } from "../notifications/links";

type Notification = Schemas["InAppOut"];

export function Bell() {
  const inbox = useApi(() => unwrap(api.GET("/api/v1/notifications/inbox", { params: { query: { limit: 20 } } })), []);
  useLiveReload((e) => e["detail-type"].startsWith("notification"), inbox.reload, 500);
  const [open, setOpen] = useState(false);
  const [muted, setMuted] = useState<Set<string>>(new Set());
  const [note, setNote] = useState<string | null>(null);
  const unread = inbox.data?.unread ?? 0;
  const markAll = async () => {
    await unwrap(api.POST("/api/v1/notifications/inbox/read", { body: {} })).catch(() => undefined);
    inbox.reload();
  };
  const mute = async (n: Notification) => {
    try {
      await unwrap(api.POST("/api/v1/notifications/mute", { body: { token: n.mute_token ?? "" } }));
      setMuted((m) => new Set(m).add(n.subject_id ?? ""));
      setNote(`Muted ${n.subject_id}. Unmute it in notification settings.`);
    } catch (error) {
      setNote(`Could not mute ${n.subject_id}: ${(error as Error).message}`);
    }
  };
  if (inbox.error && !inbox.data) return null; // notifications are optional; the rest of the page works
  return (
    <div style={{ position: "relative" }}>
      <button onClick={() => setOpen((o) => !o)} aria-expanded={open} aria-controls="bell-list" style={{ width: "100%" }}>
        Notifications {unread > 0 && <span className="count" aria-label={`${unread} unread`}>{unread}</span>}
      </button>
      {open && (
        <div id="bell-list" className="panel" role="region" aria-label="Notifications" style={{ position: "absolute", bottom: "110%", left: 0, width: 380, maxHeight: 420, overflow: "auto", zIndex: 5 }}>
          <div className="row" style={{ justifyContent: "space-between" }}>
            <strong>Notifications</strong>
            <div className="row">
              <Link to="/settings/notifications" onClick={() => setOpen(false)}>
                Settings
              </Link>
              <button onClick={markAll} disabled={!unread}>
                Mark all read
              </button>
            </div>
          </div>
          {note && (
            <div role="status" className="muted" style={{ fontSize: "0.8rem", paddingTop: 4 }}>
              {note}
            </div>
          )}
          {inbox.data?.items.length ? (
            <ul style={{ listStyle: "none", padding: 0 }}>
              {inbox.data.items.map((n) => (
                <BellItem key={n.id} n={n} muted={muted.has(n.subject_id ?? "")} onMute={() => void mute(n)} onOpen={() => setOpen(false)} />
              ))}
            </ul>
          ) : (
            <div className="muted" style={{ padding: "8px 0" }}>
              Nothing yet. <Link to="/settings/notifications">Subscribe your bell</Link> to a topic (e.g. findings) to hear about new findings here.
            </div>
          )}
        </div>
      )}
    </div>
  );
}

function BellItem({ n, muted, onMute, onOpen }: { n: Notification; muted: boolean; onMute: () => void; onOpen: () => void }) {
  const finding = findingId(n.link);
  return (
    <li style={{ padding: "6px 0", borderBottom: "1px solid var(--border)", fontWeight: n.read_at ? 400 : 600 }}>
      {finding ? (
        <Link to={findingHref(finding)} onClick={onOpen}>
          {n.title}
        </Link>
      ) : n.link.startsWith("/") ? (
        <a href={n.link}>{n.title}</a>
      ) : (
        n.title
      )}
      <div className="muted" style={{ fontSize: "0.8rem", fontWeight: 400 }}>
        {n.text} · {fmtTime(new Date(n.created_at * 1000).toISOString())}
      </div>
      {n.mute_token && (
        <button className="link" style={{ fontSize: "0.8rem", fontWeight: 400 }} onClick={onMute} disabled={muted} aria-label={`Mute ${n.subject_id}`}>
          {muted ? `${n.subject_id} muted` : `Mute this subject (${n.subject_id})`}
        </button>
      )}
    </li>
  );
}

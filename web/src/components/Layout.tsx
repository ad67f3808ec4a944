// The frame around every signed-in page: navigation, live status, theme and sign-out.
import { NavLink, Outlet } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { useChanges } from "../changes";
import { AskDrawer } from "./AskDrawer";
import { Bell } from "./Bell";
import { useApi } from "../hooks";
import { useFindingsReload, useLiveStatus } from "../live";
import type { Permission } from "../permissions";
import { session } from "../session";
import { useTheme } from "../theme";

const PAGES: { to: string; label: string; permission?: Permission }[] = [
  { to: "/", label: "Overview" },
  { to: "/findings", label: "Findings" },
  { to: "/clients", label: "Clients" },
  { to: "/sales", label: "Sales", permission: "leads:read" },
  { to: "/resources", label: "Resources", permission: "plans:read" },
  { to: "/licences", label: "Licences", permission: "licences:read" },
  { to: "/spend", label: "Spend", permission: "spend:read" },
  { to: "/contracts", label: "Contracts", permission: "contracts:read" },
  { to: "/operations", label: "Operations", permission: "events:read" },
  { to: "/settings/notifications", label: "Notification settings" },
];

export function Layout() {
  const [theme, toggleTheme] = useTheme();
  const status = useLiveStatus();
  const claims = session.claims();
  const open = useApi(() => countOpenFindings(), []);
  useFindingsReload(open.reload);
  useChanges("findings", open.reload);

  const signOut = async () => {
    const refresh = session.refreshToken();
    if (refresh) await api.POST("/api/v1/auth/logout", { body: { refresh_token: refresh } }).catch(() => undefined);
    session.clear();
  };

  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <aside className="sidebar" aria-label="Navigation">
        <div className="sidebar-inner">
        <div className="brand">
          <img src="/favicon.svg" alt="" width={26} height={26} /> Hexad
        </div>
        <nav>
          {PAGES.filter((page) => !page.permission || session.can(page.permission)).map((page) => (
            <NavLink key={page.to} to={page.to} end={page.to === "/"}>
              <span>{page.label}</span>
              {page.to === "/findings" && open.data !== undefined && (
                <span className="count" data-testid="open-findings-count" aria-label={`${open.data} open findings`}>
                  {open.data}
                </span>
              )}
            </NavLink>
          ))}
        </nav>
        <div className="foot">
          <span role="status" aria-live="polite">
            <span className={`live-dot ${status}`} aria-hidden="true" />
            {status === "live" ? "Live" : status === "connecting" ? "Connecting…" : "Offline (retrying)"}
          </span>
          <span className="muted">Signed in as {claims?.roles.join(", ") || "no role"}</span>
          <AskDrawer />
          <Bell />
          <button onClick={toggleTheme} aria-label={`Switch to ${theme === "light" ? "dark" : "light"} theme`}>
            {theme === "light" ? "Dark theme" : "Light theme"}
          </button>
          <button onClick={signOut}>Sign out</button>
        </div>
        </div>
      </aside>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}

/** Open findings, counted by paging through the list (the API has no count route). */
export async function countOpenFindings(): Promise<number> {
  let total = 0;
  let cursor: string | undefined;
  do {
    const page = await unwrap(
      api.GET("/api/v1/findings", { params: { query: { status: "open", limit: 200, cursor } } }),
    );
    total += page.items.length;
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return total;
}

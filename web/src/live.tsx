// One WebSocket per tab to /api/v1/live; components subscribe to the events they care about.
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import { renewTokens } from "./api/client";
import { session } from "./session";

/** The server closes a socket whose credential expired or was revoked with this code. */
const CLOSE_UNAUTHENTICATED = 4401;
/** Renew the access token this long before it expires, so the live socket never lapses. */
const RENEW_BEFORE_MS = 60_000;

export interface BusEvent {
  id: string;
  source: string;
  "detail-type": string;
  time: string;
  detail: Record<string, unknown>;
  [key: string]: unknown;
}

type Listener = (event: BusEvent) => void;
export type LiveStatus = "connecting" | "live" | "offline";

interface Live {
  status: LiveStatus;
  subscribe(listener: Listener): () => void;
}

const LiveContext = createContext<Live>({ status: "offline", subscribe: () => () => undefined });

export function LiveProvider({ children }: { children: ReactNode }) {
  const listeners = useRef(new Set<Listener>());
  const [status, setStatus] = useState<LiveStatus>("connecting");

  useEffect(() => {
    let socket: WebSocket | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let renewal: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const sendToken = () => {
      const token = session.accessToken();
      if (token && socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ token }));
    };
    const scheduleRenewal = () => {
      clearTimeout(renewal);
      const exp = session.claims()?.exp;
      if (!exp || stopped) return;
      renewal = setTimeout(() => void renewTokens(), Math.max(exp * 1000 - Date.now() - RENEW_BEFORE_MS, 1000));
    };
    const connect = () => {
      const token = session.accessToken();
      if (!token || stopped) return;
      setStatus("connecting");
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      socket = new WebSocket(`${scheme}://${location.host}/api/v1/live`);
      socket.onopen = sendToken;
      socket.onmessage = (message) => {
        const data = JSON.parse(String(message.data)) as { type: string; event?: BusEvent };
        if (data.type === "subscribed") setStatus("live");
        if (data.type === "event" && data.event) listeners.current.forEach((listener) => listener(data.event!));
      };
      socket.onclose = (closed) => {
        setStatus("offline");
        if (stopped) return;
        if (closed.code === CLOSE_UNAUTHENTICATED) {
          // the token lapsed (a sleeping laptop) or was revoked: renew it, or sign out
          void renewTokens().then((renewed) => (renewed ? connect() : session.clear()));
          return;
        }
        retry = setTimeout(connect, 3000);
      };
    };
    // new tokens (a renewal here or by any API call) reach the open socket, which keeps it open
    const unsubscribe = session.subscribe(() => {
      sendToken();
      scheduleRenewal();
    });
    scheduleRenewal();
    connect();
    return () => {
      stopped = true;
      unsubscribe();
      clearTimeout(retry);
      clearTimeout(renewal);
      socket?.close();
    };
  }, []);

  const value: Live = {
    status,
    subscribe(listener) {
      listeners.current.add(listener);
      return () => listeners.current.delete(listener);
    },
  };
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLiveStatus(): LiveStatus {
  return useContext(LiveContext).status;
}

/** Call `onEvent` for every live event (the latest callback, without resubscribing). */
export function useLiveEvents(onEvent: Listener): void {
  const live = useContext(LiveContext);
  const latest = useRef(onEvent);
  latest.current = onEvent;
  useEffect(() => live.subscribe((event) => latest.current(event)), [live.subscribe]);
}

/** Run `reload` (at most once per `waitMs`) when an event matching `matches` arrives. */
export function useLiveReload(matches: (event: BusEvent) => boolean, reload: () => void, waitMs = 400): void {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useLiveEvents((event) => {
    if (!matches(event) || timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      reload();
    }, waitMs);
  });
  useEffect(() => () => clearTimeout(timer.current), []);
}

/** A person acknowledged, resolved or reopened a finding, in any tab or process. */
export const isFindingStatusChange = (event: BusEvent): boolean =>
  event.source === "hexad.findings" && event["detail-type"] === "finding.status.changed";

/** Anything else that changes the findings: an agent's run, or a finding event other than a status change. */
export const isFindingsActivity = (event: BusEvent): boolean =>
  !isFindingStatusChange(event) && (/^hexad\.(cpi|spo|ram|sli|dsa|vcm)$/.test(event.source) || event["detail-type"].startsWith("finding"));

/** Reload findings-derived data: at once after a status change, calmer after agents' activity. */
export function useFindingsReload(reload: () => void, calmMs = 1500): void {
  useLiveReload(isFindingStatusChange, reload, 250);
  useLiveReload(isFindingsActivity, reload, calmMs);
}

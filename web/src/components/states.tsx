// What a panel shows while loading, when a call failed, or when there is nothing yet.
import type { ReactNode } from "react";
import type { Loaded } from "../hooks";
import { ApiError } from "../api/client";

export function Loading({ what = "data" }: { what?: string }) {
  return (
    <div className="state" role="status" aria-live="polite">
      Loading {what}…
    </div>
  );
}

export function ErrorState({ error, retry }: { error: Error; retry?: () => void }) {
  const status = error instanceof ApiError ? error.status : 0;
  const hint =
    status === 403
      ? "Your role does not include this. Ask an administrator for access."
      : status === 401
        ? "Your session ended. Sign in again."
        : status === 0
          ? "The API did not answer. Is `hexad serve` running?"
          : "Try again; if it keeps failing, check the server log.";
  return (
    <div className="state error" role="alert">
      <strong>Could not load this: {error.message}</strong>
      <div>{hint}</div>
      {retry && (
        <button onClick={retry} style={{ marginTop: 8 }}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ title, hint }: { title: string; hint: ReactNode }) {
  return (
    <div className="state">
      <strong>{title}</strong>
      <div>{hint}</div>
    </div>
  );
}

/** Render `children(data)` once loaded; loading and error states otherwise. */
export function Load<T>({ loaded, what, children }: { loaded: Loaded<T>; what?: string; children: (data: T) => ReactNode }) {
  if (loaded.error && loaded.data === undefined) return <ErrorState error={loaded.error} retry={loaded.reload} />;
  if (loaded.data === undefined) return <Loading what={what} />;
  return <>{children(loaded.data)}</>;
}

export function Kpi({ label, value, note, tone }: { label: string; value: ReactNode; note?: ReactNode; tone?: string }) {
  return (
    <div className="panel kpi">
      <div className="label">{label}</div>
      <div className={`value ${tone ?? ""}`}>{value}</div>
      {note && <div className="note">{note}</div>}
    </div>
  );
}

export function Severity({ value }: { value: string }) {
  return <span className={`badge sev-${value}`}>{value}</span>;
}

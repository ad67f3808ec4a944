// Where mail and chat links land: /notifications/confirm?token=… confirms a subscription,
// /notifications/mute?token=… mutes a subject. Both act once, when the page opens.
import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { api, ApiError, unwrap } from "../api/client";
import { Loading } from "../components/states";

type Outcome = { ok: true; text: string } | { ok: false; error: Error };

export function NotificationLink({ action }: { action: "confirm" | "mute" }) {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  useEffect(() => {
    if (!token) return setOutcome({ ok: false, error: new Error("this link has no token; open the whole link from the message") });
    let live = true;
    run(action, token)
      .then((text) => live && setOutcome({ ok: true, text }))
      .catch((error: Error) => live && setOutcome({ ok: false, error }));
    return () => {
      live = false;
    };
  }, [action, token]);

  return (
    <>
      <div className="page-head">
        <h1>{action === "confirm" ? "Confirm a subscription" : "Mute a subject"}</h1>
      </div>
      <div className="panel">
        {!outcome ? (
          <Loading what={action === "confirm" ? "the confirmation" : "the mute"} />
        ) : outcome.ok ? (
          <div role="status">
            <p>{outcome.text}</p>
            <Link to="/settings/notifications">Notification settings</Link>
          </div>
        ) : (
          <LinkFailed action={action} error={outcome.error} />
        )}
      </div>
    </>
  );
}

function LinkFailed({ action, error }: { action: "confirm" | "mute"; error: Error }) {
  const status = error instanceof ApiError ? error.status : 0;
  const hint =
    status === 403
      ? "This link belongs to another user: sign in as them, or ask an administrator."
      : status === 0
        ? "The API did not answer. Is `hexad serve` running? Then open the link again."
        : action === "confirm"
          ? "Confirmation links expire after three days: subscribe again from notification settings for a new one."
          : "Mute links expire after 30 days: mute the subject from a newer notification in the bell instead.";
  return (
    <div className="state error" role="alert">
      <strong>This link did not work: {error.message}</strong>
      <div>{hint}</div>
      <Link to="/settings/notifications">Notification settings</Link>
    </div>
  );
}

async function run(action: "confirm" | "mute", token: string): Promise<string> {
  if (action === "confirm") {
    const confirmed = await unwrap(api.POST("/api/v1/notifications/subscriptions/confirm", { body: { token } }));
    return `Confirmed: ${confirmed.endpoint} now receives ${confirmed.topic} notifications.`;
  }
  const muted = await unwrap(api.POST("/api/v1/notifications/mute", { body: { token } }));
  return `Muted. Nothing more about ${muted.muted_subjects.join(", ")} reaches you until you unmute it in your settings.`;
}

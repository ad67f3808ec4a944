// /settings/notifications: the signed-in user's preferences, subscriptions and muted subjects.
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { MutedSubjects } from "../components/MutedSubjects";
import { NotificationPreferences, type Preferences } from "../components/NotificationPreferences";
import { NotificationSubscriptions } from "../components/NotificationSubscriptions";
import { Load } from "../components/states";
import { useApi } from "../hooks";

export function NotificationSettings() {
  const loaded = useApi(async () => (await unwrap(api.GET("/api/v1/notifications/preferences"))) as Preferences, []);
  const [muted, setMuted] = useState<string[] | null>(null);
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Notification settings</h1>
          <div className="muted">What reaches you, where and when. Your roles' defaults apply until you save.</div>
        </div>
      </div>
      <div className="grid">
        <section className="panel" aria-labelledby="preferences-heading">
          <h2 id="preferences-heading">Preferences</h2>
          <Load loaded={loaded} what="preferences">
            {(preferences) => (
              <NotificationPreferences
                initial={preferences}
                muted={muted ?? preferences.muted_subjects ?? []}
                onSaved={(saved) => setMuted(saved.muted_subjects ?? [])}
              />
            )}
          </Load>
        </section>
        <section className="panel" aria-labelledby="subscriptions-heading">
          <h2 id="subscriptions-heading">Subscriptions</h2>
          <NotificationSubscriptions />
        </section>
        <section className="panel" aria-labelledby="muted-heading">
          <h2 id="muted-heading">Muted subjects</h2>
          <Load loaded={loaded} what="muted subjects">
            {(preferences) => <MutedSubjects subjects={muted ?? preferences.muted_subjects ?? []} onChange={setMuted} />}
          </Load>
        </section>
      </div>
    </>
  );
}

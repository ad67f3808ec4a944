// Subjects the user muted (from the bell or a mail's link), each with a way back.
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { Empty } from "./states";

export function MutedSubjects({ subjects, onChange }: { subjects: string[]; onChange: (subjects: string[]) => void }) {
  const [error, setError] = useState<string | null>(null);
  const unmute = async (subject: string) => {
    try {
      const out = await unwrap(api.DELETE("/api/v1/notifications/mutes/{subject}", { params: { path: { subject } } }));
      setError(null);
      onChange(out.muted_subjects);
    } catch (reason) {
      setError(`Could not unmute ${subject}: ${(reason as Error).message}`);
    }
  };
  if (!subjects.length)
    return <Empty title="Nothing muted" hint="Use “Mute this subject” on a notification in the bell (or in a mail) to stop hearing about one client, vendor or licence." />;
  return (
    <>
      <ul aria-label="Muted subjects" style={{ listStyle: "none", padding: 0, margin: 0 }}>
        {subjects.map((subject) => (
          <li key={subject} className="row" style={{ justifyContent: "space-between", padding: "6px 0", borderBottom: "1px solid var(--border)" }}>
            <span>{subject}</span>
            <button onClick={() => void unmute(subject)} aria-label={`Unmute ${subject}`}>
              Unmute
            </button>
          </li>
        ))}
      </ul>
      {error && (
        <div role="alert" className="error-text">
          {error}
        </div>
      )}
    </>
  );
}

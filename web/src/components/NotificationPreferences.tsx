// The signed-in user's preferences: what each channel brings, quiet hours in their time zone, digests.
import { useState } from "react";
import { api, unwrap, type Schemas } from "../api/client";
import { AGENTS, humanize } from "../format";
import { isClockTime, isTimeZone } from "../notifications/validate";

export type Preferences = Schemas["PreferencesIn"];
type Rule = Schemas["ChannelRuleIn"];

const CHANNELS: Record<string, string> = {
  "*": "Every other channel",
  in_app: "In-app bell",
  email: "Email",
  slack: "Slack",
  teams: "Microsoft Teams",
  https: "Webhooks",
  queue: "Queues",
};
const SEVERITIES = ["low", "medium", "high", "critical"] as const;
const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const ZONES = Intl.supportedValuesOf("timeZone");

/** The form; `muted` is the current muted list (kept as is), `onSaved` gets what the API stored. */
export function NotificationPreferences({ initial, muted, onSaved }: { initial: Preferences; muted: string[]; onSaved: (saved: Preferences) => void }) {
  const [draft, setDraft] = useState<Preferences>(initial);
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [saving, setSaving] = useState(false);
  const channels = draft.channels ?? {};
  const set = (change: Partial<Preferences>) => {
    setDraft((d) => ({ ...d, ...change }));
    setStatus(null);
  };
  const setRule = (name: string, change: Partial<Rule>) => set({ channels: { ...channels, [name]: { ...channels[name]!, ...change } } });
  const missing = Object.keys(CHANNELS).filter((c) => !(c in channels));
  const problem = checkDraft(draft);

  const save = async () => {
    if (problem) return setStatus({ ok: false, text: problem });
    setSaving(true);
    try {
      const saved = (await unwrap(api.PUT("/api/v1/notifications/preferences", { body: { ...draft, muted_subjects: muted } }))) as Preferences;
      setDraft(saved);
      onSaved(saved);
      setStatus({ ok: true, text: "Saved. New notifications follow these preferences." });
    } catch (error) {
      setStatus({ ok: false, text: `Not saved: ${(error as Error).message}` });
    } finally {
      setSaving(false);
    }
  };

  return (
    <form
      className="grid"
      aria-label="Notification preferences"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <div className="table-wrap">
        <table aria-label="Channels">
          <thead>
            <tr>
              <th>Channel</th>
              <th>On</th>
              <th>Agents (none ticked: all)</th>
              <th>Kinds (empty: all)</th>
              <th>From severity</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {Object.entries(channels).map(([name, rule]) => (
              <ChannelRow key={name} name={name} rule={rule} onChange={(change) => setRule(name, change)} onRemove={name === "*" ? undefined : () => {
                const { [name]: _removed, ...rest } = channels;
                set({ channels: rest });
              }} />
            ))}
          </tbody>
        </table>
      </div>
      {missing.length > 0 && (
        <label style={{ flexDirection: "row", alignItems: "center" }}>
          Add a rule for
          <select value="" onChange={(e) => e.target.value && set({ channels: { ...channels, [e.target.value]: { enabled: true, agents: [], kinds: [], min_severity: "low" } } })}>
            <option value="">choose a channel…</option>
            {missing.map((c) => (
              <option key={c} value={c}>
                {CHANNELS[c]}
              </option>
            ))}
          </select>
        </label>
      )}
      <fieldset className="row" style={{ gap: 14 }}>
        <legend>Quiet hours and time zone</legend>
        <label>
          Time zone
          <input list="time-zones" value={draft.timezone} onChange={(e) => set({ timezone: e.target.value })} aria-invalid={!isTimeZone(draft.timezone)} />
          <datalist id="time-zones">
            {ZONES.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </label>
        <label style={{ flexDirection: "row", alignItems: "center" }}>
          <input type="checkbox" checked={!!draft.quiet_hours} onChange={(e) => set({ quiet_hours: e.target.checked ? ["22:00", "07:00"] : null })} />
          Quiet hours
        </label>
        {draft.quiet_hours && (
          <>
            <label>
              From
              <input type="time" value={draft.quiet_hours[0]} onChange={(e) => set({ quiet_hours: [e.target.value, draft.quiet_hours![1]] })} />
            </label>
            <label>
              Until
              <input type="time" value={draft.quiet_hours[1]} onChange={(e) => set({ quiet_hours: [draft.quiet_hours![0], e.target.value] })} />
            </label>
            <label style={{ flexDirection: "row", alignItems: "center" }}>
              <input type="checkbox" checked={draft.quiet_hours_allow_critical} onChange={(e) => set({ quiet_hours_allow_critical: e.target.checked })} />
              Critical findings still come through
            </label>
          </>
        )}
      </fieldset>
      <fieldset className="row" style={{ gap: 14 }}>
        <legend>Digest (mail and chat; the bell is never held)</legend>
        <label>
          Digest
          <select aria-label="Digest" value={draft.digest} onChange={(e) => set({ digest: e.target.value as Preferences["digest"] })}>
            <option value="off">Off: send each notification</option>
            <option value="daily">Daily</option>
            <option value="weekly">Weekly</option>
          </select>
        </label>
        {draft.digest !== "off" && (
          <label>
            At
            <select aria-label="Digest at" value={draft.digest_hour} onChange={(e) => set({ digest_hour: Number(e.target.value) })}>
              {Array.from({ length: 24 }, (_, h) => (
                <option key={h} value={h}>{`${String(h).padStart(2, "0")}:00`}</option>
              ))}
            </select>
          </label>
        )}
        {draft.digest === "weekly" && (
          <label>
            On
            <select aria-label="Digest on" value={draft.digest_weekday} onChange={(e) => set({ digest_weekday: Number(e.target.value) })}>
              {WEEKDAYS.map((day, i) => (
                <option key={day} value={i}>
                  {day}
                </option>
              ))}
            </select>
          </label>
        )}
      </fieldset>
      <div className="row">
        <button type="submit" className="primary" disabled={saving}>
          {saving ? "Saving…" : "Save preferences"}
        </button>
        {status && (
          <span role={status.ok ? "status" : "alert"} className={status.ok ? "ok" : "error-text"}>
            {status.text}
          </span>
        )}
      </div>
    </form>
  );
}

function ChannelRow({ name, rule, onChange, onRemove }: { name: string; rule: Rule; onChange: (change: Partial<Rule>) => void; onRemove?: () => void }) {
  const label = CHANNELS[name] ?? humanize(name);
  const agents = rule.agents ?? [];
  return (
    <tr>
      <th scope="row">{label}</th>
      <td>
        <input type="checkbox" checked={rule.enabled} onChange={(e) => onChange({ enabled: e.target.checked })} aria-label={`${label}: on`} />
      </td>
      <td>
        <div className="row" role="group" aria-label={`${label}: agents`}>
          {Object.entries(AGENTS).map(([code, agentName]) => (
            <label key={code} style={{ flexDirection: "row", alignItems: "center", gap: 3 }} title={agentName}>
              <input
                type="checkbox"
                checked={agents.includes(code)}
                onChange={(e) => onChange({ agents: e.target.checked ? [...agents, code] : agents.filter((a) => a !== code) })}
              />
              {code.toUpperCase()}
            </label>
          ))}
        </div>
      </td>
      <td>
        <KindsInput label={`${label}: kinds`} kinds={rule.kinds ?? []} onChange={(kinds) => onChange({ kinds })} />
      </td>
      <td>
        <select aria-label={`${label}: from severity`} value={rule.min_severity} onChange={(e) => onChange({ min_severity: e.target.value as Rule["min_severity"] })}>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </td>
      <td>{onRemove && <button type="button" onClick={onRemove} aria-label={`Remove the ${label} rule`}>Remove</button>}</td>
    </tr>
  );
}

/** Kinds as comma-separated text, kept as typed (a trailing comma must survive while typing the next kind). */
function KindsInput({ label, kinds, onChange }: { label: string; kinds: string[]; onChange: (kinds: string[]) => void }) {
  const [text, setText] = useState(kinds.join(", "));
  return (
    <input
      aria-label={label}
      value={text}
      placeholder="all kinds"
      onChange={(e) => {
        setText(e.target.value);
        onChange(e.target.value.split(",").map((k) => k.trim()).filter(Boolean));
      }}
    />
  );
}

/** What is wrong with the form before it is sent, or null. */
export function checkDraft(draft: Preferences): string | null {
  if (!isTimeZone(draft.timezone)) return `"${draft.timezone}" is not a time zone; pick one such as Europe/Berlin.`;
  if (draft.quiet_hours && !draft.quiet_hours.every(isClockTime)) return "Quiet hours need a start and an end such as 22:00 and 07:00.";
  if (draft.quiet_hours && draft.quiet_hours[0] === draft.quiet_hours[1]) return "Quiet hours start and end at the same time; change one or turn them off.";
  return null;
}

// The subscriptions the signed-in user owns: list, unsubscribe, and add one with a filter policy.
import { useState } from "react";
import { api, unwrap, type Schemas } from "../api/client";
import { fmtTime } from "../format";
import { useApi } from "../hooks";
import { checkEndpoint, checkFilterPolicy, type Protocol, type Scope } from "../notifications/validate";
import { session } from "../session";
import { Empty, Load } from "./states";
import "./notifications.css";

type Subscription = Schemas["SubscriptionOut"];

const PROTOCOLS: Record<Protocol, string> = {
  in_app: "In-app bell",
  email: "Email",
  slack: "Slack webhook",
  teams: "Teams webhook",
  https: "Signed HTTPS webhook",
  queue: "Queue",
};

export function NotificationSubscriptions() {
  const list = useApi(() => unwrap(api.GET("/api/v1/notifications/subscriptions")), []);
  const [message, setMessage] = useState<string | null>(null);
  const unsubscribe = async (subscription: Subscription) => {
    try {
      await unwrap(api.DELETE("/api/v1/notifications/subscriptions/{subscription_id}", { params: { path: { subscription_id: subscription.id } } }));
      setMessage(`Unsubscribed ${subscription.endpoint} from ${subscription.topic}.`);
    } catch (error) {
      setMessage(`Could not unsubscribe: ${(error as Error).message}`);
    }
    list.reload();
  };
  return (
    <div className="grid">
      <Load loaded={list} what="subscriptions">
        {(rows) =>
          rows.length ? (
            <div className="table-wrap">
              <table aria-label="Your subscriptions">
                <thead>
                  <tr>
                    <th>Topic</th>
                    <th>Channel</th>
                    <th>Endpoint</th>
                    <th>Filter policy</th>
                    <th>Status</th>
                    <th>Since</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {rows.map((s) => (
                    <tr key={s.id}>
                      <td>{s.topic}</td>
                      <td>{PROTOCOLS[s.protocol as Protocol] ?? s.protocol}</td>
                      <td>{s.endpoint}</td>
                      <td>{s.filter_policy ? <code>{JSON.stringify(s.filter_policy)}</code> : <span className="muted">everything</span>}</td>
                      <td>
                        {s.status === "pending" ? (
                          <span className="badge warn" title="Open the confirmation link sent to this endpoint; nothing else is sent until then">
                            pending confirmation
                          </span>
                        ) : (
                          <span className="badge ok">{s.status}</span>
                        )}
                      </td>
                      <td>{fmtTime(new Date(s.created_at * 1000).toISOString())}</td>
                      <td>
                        <button className="danger" onClick={() => void unsubscribe(s)} aria-label={`Unsubscribe ${s.endpoint} from ${s.topic}`}>
                          Unsubscribe
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <Empty title="No subscriptions yet" hint="Subscribe your bell to the findings topic below to hear what the agents find." />
          )
        }
      </Load>
      {message && (
        <div role="status" className="muted">
          {message}
        </div>
      )}
      <SubscribeForm
        onCreated={(created) => {
          setMessage(
            created.status === "pending"
              ? `Subscribed ${created.endpoint}: a confirmation link is on its way there; nothing else is sent until it is opened.`
              : `Subscribed ${created.endpoint} to ${created.topic}.`,
          );
          list.reload();
        }}
      />
    </div>
  );
}

function SubscribeForm({ onCreated }: { onCreated: (created: Subscription) => void }) {
  const admin = session.can("notifications:admin");
  const me = session.claims()?.sub ?? "";
  const topics = useApi(() => unwrap(api.GET("/api/v1/notifications/topics")), []);
  const [topic, setTopic] = useState("findings");
  const [protocol, setProtocol] = useState<Protocol>("in_app");
  const [endpoint, setEndpoint] = useState(me);
  const [scope, setScope] = useState<Scope>("MessageAttributes");
  const [policy, setPolicy] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const protocols = (Object.keys(PROTOCOLS) as Protocol[]).filter((p) => admin || p === "in_app" || p === "email");
  const target = protocol === "in_app" && !admin ? me : endpoint;
  const choose = (next: Protocol) => {
    setProtocol(next);
    setEndpoint(next === "in_app" ? me : "");
  };
  const checked = checkFilterPolicy(policy, scope);

  const submit = async () => {
    const problem = checkEndpoint(protocol, target) ?? (checked.ok ? null : checked.error);
    if (problem || !checked.ok) return setError(problem);
    try {
      const created = await unwrap(
        api.POST("/api/v1/notifications/subscriptions", {
          body: { topic, protocol, endpoint: target.trim(), filter_policy: checked.value, filter_scope: scope },
        }),
      );
      setError(null);
      setPolicy("");
      setEndpoint(protocol === "in_app" ? me : "");
      setSecret(created.secret ?? null);
      onCreated(created);
    } catch (reason) {
      setError(`The server refused it: ${(reason as Error).message}`);
    }
  };

  return (
    <form
      className="panel grid"
      aria-label="Subscribe"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h3 style={{ margin: 0 }}>Subscribe</h3>
      <div className="filters">
        <label>
          Topic
          <select value={topic} onChange={(e) => setTopic(e.target.value)}>
            {(topics.data ?? [{ name: "findings", display_name: "", created_at: 0 }]).map((t) => (
              <option key={t.name} value={t.name}>
                {t.display_name ? `${t.name} (${t.display_name})` : t.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Channel
          <select value={protocol} onChange={(e) => choose(e.target.value as Protocol)}>
            {protocols.map((p) => (
              <option key={p} value={p}>
                {PROTOCOLS[p]}
              </option>
            ))}
          </select>
        </label>
        <label style={{ flex: 1, minWidth: 240 }}>
          Endpoint
          <input
            value={target}
            readOnly={protocol === "in_app" && !admin}
            onChange={(e) => setEndpoint(e.target.value)}
            placeholder={protocol === "email" ? "you@msp.example" : protocol === "in_app" ? "user id" : protocol === "queue" ? "queue name" : "https://…"}
          />
        </label>
        <label>
          Filter on
          <select value={scope} onChange={(e) => setScope(e.target.value as Scope)}>
            <option value="MessageAttributes">Message attributes</option>
            <option value="MessageBody">Message body</option>
          </select>
        </label>
      </div>
      {!admin && <div className="muted">Chat, webhook and queue subscriptions are set up by an administrator.</div>}
      <label>
        Filter policy (JSON, optional; SNS syntax)
        <textarea
          rows={3}
          value={policy}
          onChange={(e) => {
            setPolicy(e.target.value);
            setError(null);
          }}
          placeholder='{"severity": ["critical", "high"], "agent": ["sli"]}'
          aria-invalid={!checked.ok}
          aria-describedby="policy-check"
          style={{ fontFamily: "ui-monospace, monospace" }}
        />
      </label>
      <div id="policy-check" className={checked.ok ? "muted" : "error-text"}>
        {checked.ok ? (checked.value ? "Valid filter policy." : "No filter: every message on the topic.") : checked.error}
      </div>
      <div className="row">
        <button type="submit" className="primary">
          Subscribe
        </button>
        {error && (
          <span role="alert" className="error-text">
            {error}
          </span>
        )}
      </div>
      {secret && (
        <div role="status">
          Webhook signing secret (shown once; give it to the receiver to verify signatures): <code>{secret}</code>
        </div>
      )}
    </form>
  );
}

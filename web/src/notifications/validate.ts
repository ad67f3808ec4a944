// Checks the settings forms make before calling the API (the API checks again and says why it refuses).

export type Protocol = "email" | "in_app" | "slack" | "teams" | "https" | "queue";
export type Scope = "MessageAttributes" | "MessageBody";
type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

const OPERATORS = ["prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists", "cidr"];
const MAX_KEYS = 5;
const NUMBER_LIMIT = 1e9;

/** An SNS filter policy from its JSON text: empty means none; otherwise an object SNS would accept. */
export function checkFilterPolicy(text: string, scope: Scope): Checked<Record<string, unknown> | null> {
  if (!text.trim()) return { ok: true, value: null };
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `Filter policy: not valid JSON (${(error as Error).message})` };
  }
  if (!isObject(policy) || !Object.keys(policy).length)
    return { ok: false, error: 'Filter policy: expected a JSON object such as {"severity": ["critical", "high"]}' };
  const keys = new Set<string>();
  const error = walk(policy, "", scope, keys);
  if (error) return { ok: false, error: `Filter policy: ${error}` };
  if (keys.size > MAX_KEYS) return { ok: false, error: `Filter policy: at most ${MAX_KEYS} keys, got ${keys.size}` };
  return { ok: true, value: policy };
}

function walk(node: Record<string, unknown>, path: string, scope: Scope, keys: Set<string>): string | null {
  for (const [key, value] of Object.entries(node)) {
    const where = path ? `${path}.${key}` : key;
    if (key === "$or") {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isObject)) return `${where}: expected a list of at least two objects`;
      for (const [i, branch] of value.entries()) {
        const error = walk(branch as Record<string, unknown>, `${where}[${i}]`, scope, keys);
        if (error) return error;
      }
    } else if (isObject(value)) {
      if (scope === "MessageAttributes") return `${where}: attribute policies cannot nest objects; choose the message body scope`;
      const error = walk(value, where, scope, keys);
      if (error) return error;
    } else if (Array.isArray(value)) {
      if (!value.length) return `${where}: expected at least one value`;
      keys.add(where.replace(/\[\d+\]/g, ""));
      for (const [i, item] of value.entries()) {
        const error = checkValue(item, `${where}[${i}]`);
        if (error) return error;
      }
    } else {
      return `${where}: expected a list of values, e.g. ["${String(value)}"]`;
    }
  }
  return null;
}

function checkValue(item: unknown, where: string): string | null {
  if (item === null || typeof item === "string" || typeof item === "boolean") return null;
  if (typeof item === "number") return Math.abs(item) > NUMBER_LIMIT ? `${where}: numbers must lie between -1e9 and 1e9` : null;
  if (!isObject(item)) return `${where}: expected a value or an operator object`;
  for (const name of Object.keys(item)) {
    if (name === "wildcard") return `${where}: SNS filter policies have no wildcard operator`;
    if (!OPERATORS.includes(name)) return `${where}: unknown operator ${name} (expected ${OPERATORS.join(", ")})`;
  }
  return null;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** What a subscription's endpoint must look like for its protocol. */
export function checkEndpoint(protocol: Protocol, endpoint: string): string | null {
  const value = endpoint.trim();
  if (!value) return "Enter an endpoint.";
  if (protocol === "email" && !/^[^\s@]+@[^\s@]+$/.test(value)) return "Enter an email address such as ann@msp.example.";
  if (protocol === "email" && value.length > 254) return "An email address has at most 254 characters.";
  if ((protocol === "slack" || protocol === "teams" || protocol === "https") && !/^https?:\/\/\S+$/.test(value))
    return "Enter the https:// URL of the webhook.";
  return null;
}

/** A wall-clock time HH:MM (24 h). */
export const isClockTime = (text: string): boolean => /^([01]\d|2[0-3]):[0-5]\d$/.test(text);

/** Whether the browser knows `name` as an IANA time zone (the server checks with its own database). */
export function isTimeZone(name: string): boolean {
  if (!name.trim()) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

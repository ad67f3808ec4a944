// The typed API client: paths and schemas come from the OpenAPI document (`npm run api`).
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";
import { session } from "../session";

export type Schemas = components["schemas"];
export type Finding = Schemas["Finding"];

export const api = createClient<paths>({ baseUrl: "" });

/** A failed call: the problem document's detail (RFC 9457) or the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let refreshing: Promise<boolean> | null = null;

async function refreshTokens(): Promise<boolean> {
  const refresh = session.refreshToken();
  if (!refresh) return false;
  const response = await fetch("/api/v1/auth/refresh", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ refresh_token: refresh }),
  });
  if (!response.ok) return false;
  const body = (await response.json()) as Schemas["SignInOut"];
  if (!body.access_token || !body.refresh_token) return false;
  session.store(body.access_token, body.refresh_token);
  return true;
}

/** Swap the refresh token for new tokens once, however many callers ask at the same time. */
export function renewTokens(): Promise<boolean> {
  refreshing ??= refreshTokens()
    .catch(() => false)
    .finally(() => (refreshing = null));
  return refreshing;
}

const bearer: Middleware = {
  async onRequest({ request }) {
    const token = session.accessToken();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
  async onResponse({ request, response }) {
    if (response.status !== 401 || request.url.includes("/api/v1/auth/")) return response;
    if (!(await renewTokens())) {
      session.clear();
      return response;
    }
    const retry = new Request(request);
    retry.headers.set("Authorization", `Bearer ${session.accessToken()}`);
    return fetch(retry);
  },
};
api.use(bearer);

/** The data of a call, or an ApiError that says what went wrong. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) throw new ApiError(response.status, problemText(error, response));
  return data as T;
}

export function problemText(error: unknown, response: Response): string {
  if (error && typeof error === "object") {
    const problem = error as { detail?: unknown; title?: unknown };
    if (typeof problem.detail === "string") return problem.detail;
    if (Array.isArray(problem.detail)) return problem.detail.map((d: { msg?: string }) => d.msg ?? "").join("; ");
    if (typeof problem.title === "string") return problem.title;
  }
  return `${response.status} ${response.statusText || "request failed"}`;
}

/** Download a protected file (the bearer token cannot ride on a plain link). */
export async function download(url: string, fileName: string): Promise<void> {
  const response = await fetch(url, { headers: { Authorization: `Bearer ${session.accessToken() ?? ""}` } });
  if (!response.ok) throw new ApiError(response.status, `download failed: ${response.status}`);
  const blob = await response.blob();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

// Tokens for this browser tab (sessionStorage: closing the tab signs out) and what they say.
import { allowed, type Permission } from "./permissions";

const ACCESS = "hexad.access";
const REFRESH = "hexad.refresh";
const listeners = new Set<() => void>();

export interface Claims {
  sub: string;
  roles: string[];
  exp: number;
}

export function decodeClaims(token: string): Claims | null {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    const claims = JSON.parse(json) as Partial<Claims>;
    return { sub: String(claims.sub ?? ""), roles: Array.isArray(claims.roles) ? claims.roles : [], exp: Number(claims.exp ?? 0) };
  } catch {
    return null;
  }
}

export const session = {
  accessToken: (): string | null => sessionStorage.getItem(ACCESS),
  refreshToken: (): string | null => sessionStorage.getItem(REFRESH),
  claims(): Claims | null {
    const token = sessionStorage.getItem(ACCESS);
    return token ? decodeClaims(token) : null;
  },
  can(permission: Permission): boolean {
    return allowed(this.claims()?.roles ?? [], permission);
  },
  store(access: string, refresh: string): void {
    sessionStorage.setItem(ACCESS, access);
    sessionStorage.setItem(REFRESH, refresh);
    listeners.forEach((listener) => listener());
  },
  clear(): void {
    sessionStorage.removeItem(ACCESS);
    sessionStorage.removeItem(REFRESH);
    listeners.forEach((listener) => listener());
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

// Which roles hold the permissions the dashboard asks about. The server's table
// (hexad.auth.permissions) decides; this copy only hides what a role could not do anyway.
const EVERYONE = ["admin", "finance", "sales", "service_manager", "viewer"];

const TABLE = {
  "findings:write": ["admin", "finance", "sales", "service_manager"],
  "events:read": ["admin", "service_manager"],
  "queues:read": ["admin", "service_manager"],
  "queues:write": ["admin"],
  "workflows:read": EVERYONE,
  "workflows:approve": ["admin", "finance", "service_manager"],
  "contracts:read": ["admin", "finance", "service_manager", "viewer"],
  "contracts:write": ["admin", "finance"],
  "leads:read": ["admin", "sales", "viewer"],
  "proposals:write": ["admin", "sales"],
  "plans:read": ["admin", "service_manager", "viewer"],
  "licences:read": ["admin", "finance", "service_manager", "viewer"],
  "spend:read": ["admin", "finance", "viewer"],
  "ask:use": EVERYONE,
  "notifications:admin": ["admin"],
} as const;

export type Permission = keyof typeof TABLE;

export function allowed(roles: readonly string[], permission: Permission): boolean {
  const holders: readonly string[] = TABLE[permission];
  return roles.some((role) => holders.includes(role));
}

// Links notifications carry into the dashboard.

/** Where a finding opens: the inbox with it selected, whatever its status. */
export const findingHref = (id: string): string => `/findings?status=&id=${encodeURIComponent(id)}`;

/** The finding a notification's link points at (`…/findings/<id>`, absolute or not), if any. */
export function findingId(link: string): string | null {
  const match = /^(?:https?:\/\/[^/]+)?\/findings\/([^/?#]+)/.exec(link);
  return match ? decodeURIComponent(match[1]!) : null;
}

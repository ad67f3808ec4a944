// Whole lists from paged routes (the API pages at most 200 rows per call).
import { api, unwrap, type Schemas } from "./client";

type Page<T> = { items: T[]; next_cursor?: string | null };

export async function allPages<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>, max = 5000): Promise<T[]> {
  const rows: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    rows.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor && rows.length < max);
  return rows;
}

export type FindingFilter = { agent?: string; kind?: string; severity?: "low" | "medium" | "high" | "critical"; status?: "open" | "acknowledged" | "resolved"; subject_id?: string };

export const allFindings = (filter: FindingFilter = {}): Promise<Schemas["Finding"][]> =>
  allPages((cursor) => unwrap(api.GET("/api/v1/findings", { params: { query: { ...filter, limit: 200, cursor } } })));

export const allClients = (): Promise<Schemas["ClientSummary"][]> =>
  allPages((cursor) => unwrap(api.GET("/api/v1/clients", { params: { query: { limit: 200, cursor } } })));

export const allLicences = (issue?: "unused" | "over_deployed" | "under_billed"): Promise<Schemas["LicenceOut"][]> =>
  allPages((cursor) => unwrap(api.GET("/api/v1/licences", { params: { query: { limit: 200, cursor, issue } } })));

export const allUtilization = (): Promise<Schemas["UtilizationOut"][]> =>
  allPages((cursor) => unwrap(api.GET("/api/v1/utilization", { params: { query: { limit: 200, cursor } } })));

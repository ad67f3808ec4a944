// Numbers and dates as people read them.
const money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });
const number = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

export const fmtMoney = (value: number | null | undefined): string => (value == null ? "—" : money.format(value));
export const fmtNumber = (value: number | null | undefined): string => (value == null ? "—" : number.format(value));
export const fmtPct = (value: number | null | undefined, digits = 1): string =>
  value == null ? "—" : `${value.toFixed(digits)}%`;
export const fmtRatio = (value: number | null | undefined): string =>
  value == null ? "—" : `${(value * 100).toFixed(0)}%`;
export const fmtTime = (iso: string | null | undefined): string =>
  iso ? new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" }) : "—";
export const humanize = (kind: string): string => kind.replace(/[_.-]+/g, " ").replace(/^\w/, (c) => c.toUpperCase());

export const AGENTS: Record<string, string> = {
  cpi: "Client profitability",
  spo: "Sales pipeline",
  ram: "Resource allocation",
  sli: "Software licences",
  dsa: "Departmental spend",
  vcm: "Vendor contracts",
};

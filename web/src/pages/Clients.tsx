// All clients with their latest and trailing-12-month profitability; sortable and filterable.
import { useState } from "react";
import { Link } from "react-router-dom";
import type { Schemas } from "../api/client";
import { allClients } from "../api/lists";
import { SortTable, type Column } from "../components/SortTable";
import { Empty, Load } from "../components/states";
import { fmtMoney, fmtPct } from "../format";
import { useApi } from "../hooks";

type Client = Schemas["ClientSummary"];

const COLUMNS: Column<Client>[] = [
  { key: "name", label: "Client", value: (c) => c.name, render: (c) => <Link to={`/clients/${c.client_id}`}>{c.name}</Link> },
  { key: "id", label: "ID", value: (c) => c.client_id },
  { key: "tier", label: "Tier", value: (c) => c.tier },
  { key: "industry", label: "Industry", value: (c) => c.industry },
  { key: "revenue", label: "Revenue (12 mo)", numeric: true, value: (c) => c.trailing_12_months?.revenue, render: (c) => fmtMoney(c.trailing_12_months?.revenue) },
  { key: "margin", label: "Margin (12 mo)", numeric: true, value: (c) => c.trailing_12_months?.margin_pct, render: (c) => <Margin value={c.trailing_12_months?.margin_pct} /> },
  { key: "latest", label: "Margin (last month)", numeric: true, value: (c) => c.latest_month?.margin_pct, render: (c) => <Margin value={c.latest_month?.margin_pct} /> },
  { key: "rate", label: "Effective rate", numeric: true, value: (c) => c.trailing_12_months?.effective_hourly_rate, render: (c) => fmtMoney(c.trailing_12_months?.effective_hourly_rate) + "/h" },
];

export function Margin({ value }: { value: number | null | undefined }) {
  return <span className={value == null ? "" : value < 0 ? "bad" : value < 20 ? "warn" : ""}>{fmtPct(value)}</span>;
}

export function Clients() {
  const clients = useApi(allClients, []);
  const [query, setQuery] = useState("");
  const [tier, setTier] = useState("");
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Clients</h1>
          <div className="muted">Profitability per client; select a name for its monthly figures, churn risk and findings.</div>
        </div>
      </div>
      <div className="filters" role="search" aria-label="Filter clients">
        <label>
          Search
          <input type="search" placeholder="name, ID, industry or city" value={query} onChange={(e) => setQuery(e.target.value)} />
        </label>
        <label>
          Tier
          <select value={tier} onChange={(e) => setTier(e.target.value)}>
            <option value="">All tiers</option>
            {["platinum", "gold", "silver", "bronze"].map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
      </div>
      <div className="panel">
        <Load loaded={clients} what="clients">
          {(rows) => {
            const q = query.toLowerCase();
            const shown = rows.filter((c) => (!tier || c.tier === tier) && (!q || [c.name, c.client_id, c.industry, c.city].some((v) => v?.toLowerCase().includes(q))));
            return shown.length ? (
              <SortTable rows={shown} columns={COLUMNS} label="Clients" initial="margin" rowKey={(c) => c.client_id} />
            ) : (
              <Empty title="No clients match" hint={rows.length ? "Change the search or tier." : "Import clients first: `hexad import clients.csv`."} />
            );
          }}
        </Load>
      </div>
    </>
  );
}

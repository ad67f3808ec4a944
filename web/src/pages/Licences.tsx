// Licences per client and SKU: purchased, assigned, active, billed; what could be saved; violations.
import { useState } from "react";
import type { Schemas } from "../api/client";
import { allLicences } from "../api/lists";
import { Chart } from "../charts";
import { SortTable, type Column } from "../components/SortTable";
import { Empty, Kpi, Load } from "../components/states";
import { fmtMoney, fmtNumber } from "../format";
import { useApi } from "../hooks";

type Licence = Schemas["LicenceOut"];
type Issue = "" | "unused" | "over_deployed" | "under_billed";

const COLUMNS: Column<Licence>[] = [
  { key: "client", label: "Client", value: (l) => l.client_id },
  { key: "product", label: "Product", value: (l) => l.product_name ?? l.sku, render: (l) => <>{l.product_name} <span className="muted">{l.vendor}</span></> },
  { key: "purchased", label: "Purchased", numeric: true, value: (l) => l.seats_purchased },
  { key: "assigned", label: "Assigned", numeric: true, value: (l) => l.seats_assigned },
  { key: "active", label: "Active 30 d", numeric: true, value: (l) => l.active_30d },
  { key: "billed", label: "Billed", numeric: true, value: (l) => l.seats_billed },
  { key: "unused", label: "Unused", numeric: true, value: (l) => l.seats_unused, render: (l) => <span className={l.seats_unused ? "warn" : ""}>{l.seats_unused}</span> },
  { key: "over", label: "Over-deployed", numeric: true, value: (l) => l.over_deployed, render: (l) => <span className={l.over_deployed ? "bad" : ""}>{l.over_deployed}</span> },
  { key: "under", label: "Under-billed", numeric: true, value: (l) => l.under_billed, render: (l) => <span className={l.under_billed ? "bad" : ""}>{l.under_billed}</span> },
  { key: "saving", label: "Saving / month", numeric: true, value: (l) => (l.unused_monthly_cost ?? 0) + (l.under_billed_monthly ?? 0), render: (l) => fmtMoney((l.unused_monthly_cost ?? 0) + (l.under_billed_monthly ?? 0)) },
];

export function Licences() {
  const licences = useApi(() => allLicences(), []);
  const [issue, setIssue] = useState<Issue>("");
  const [query, setQuery] = useState("");
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Licences</h1>
          <div className="muted">Seats purchased, assigned, in use and billed, per client and product.</div>
        </div>
      </div>
      <Load loaded={licences} what="licences">
        {(rows) => {
          if (!rows.length) return <Empty title="No licences" hint="Import licence subscriptions and assignments (`hexad import`)." />;
          const unused = rows.reduce((s, l) => s + (l.unused_monthly_cost ?? 0), 0);
          const under = rows.reduce((s, l) => s + (l.under_billed_monthly ?? 0), 0);
          const q = query.toLowerCase();
          const shown = rows.filter(
            (l) =>
              (issue === "" || (issue === "unused" ? l.seats_unused > 0 : issue === "over_deployed" ? l.over_deployed > 0 : l.under_billed > 0)) &&
              (!q || [l.client_id, l.product_name, l.vendor, l.sku].some((v) => v?.toLowerCase().includes(q))),
          );
          const byVendor = [...new Set(rows.map((l) => l.vendor ?? "other"))];
          return (
            <>
              <div className="grid cols-4">
                <Kpi label="Subscriptions" value={fmtNumber(rows.length)} note={`${fmtNumber(rows.reduce((s, l) => s + l.seats_purchased, 0))} seats`} />
                <Kpi label="Unused seats cost / month" value={fmtMoney(unused)} tone="warn" note={`${rows.filter((l) => l.seats_unused).length} subscriptions`} />
                <Kpi label="Under-billed / month" value={fmtMoney(under)} tone="bad" note={`${rows.filter((l) => l.under_billed).length} subscriptions`} />
                <Kpi label="Over-deployed (violations)" value={fmtNumber(rows.reduce((s, l) => s + l.over_deployed, 0))} tone="bad" note={`seats in ${rows.filter((l) => l.over_deployed).length} subscriptions`} />
              </div>
              <div className="panel" style={{ marginTop: 14 }}>
                <h3>Seats by vendor: purchased, assigned, active, billed</h3>
                <Chart
                  label="Seats purchased, assigned, active in 30 days and billed, per vendor"
                  option={{
                    legend: { data: ["Purchased", "Assigned", "Active 30 d", "Billed"] },
                    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
                    xAxis: { type: "category", data: byVendor },
                    yAxis: { type: "value" },
                    series: (["seats_purchased", "seats_assigned", "active_30d", "seats_billed"] as const).map((key, i) => ({
                      name: ["Purchased", "Assigned", "Active 30 d", "Billed"][i],
                      type: "bar",
                      data: byVendor.map((v) => rows.filter((l) => (l.vendor ?? "other") === v).reduce((s, l) => s + l[key], 0)),
                    })),
                  }}
                />
              </div>
              <div className="filters" style={{ marginTop: 14 }} role="search" aria-label="Filter licences">
                <label>
                  Search
                  <input type="search" placeholder="client, product or vendor" value={query} onChange={(e) => setQuery(e.target.value)} />
                </label>
                <label>
                  Issue
                  <select value={issue} onChange={(e) => setIssue(e.target.value as Issue)}>
                    <option value="">All subscriptions</option>
                    <option value="unused">Unused seats</option>
                    <option value="over_deployed">Over-deployed</option>
                    <option value="under_billed">Under-billed</option>
                  </select>
                </label>
              </div>
              <div className="panel">
                {shown.length ? (
                  <SortTable rows={shown} columns={COLUMNS} label="Licences" initial="-saving" rowKey={(l) => l.subscription_id} />
                ) : (
                  <Empty title="Nothing matches" hint="Clear the search or choose another issue." />
                )}
              </div>
            </>
          );
        }}
      </Load>
    </>
  );
}

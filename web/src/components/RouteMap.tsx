// On-site routes drawn as SVG without map tiles. Each technician's day is a loop from home through
// the visits; leg lengths are to scale (drive km). The routes API gives no coordinates yet, so the
// directions of the legs are schematic: each technician gets their own sector around a shared home.
import type { Schemas } from "../api/client";
import { PALETTE } from "../charts";

interface Stop {
  visit_id: string;
  arrival: string;
  departure: string;
  drive_km: number;
}
interface Route {
  technician_id: string;
  stops: Stop[];
  distance_km: number;
  back_home: string;
}

export function RouteMap({ plan, names }: { plan: Schemas["RoutePlanOut"]; names: Record<string, string> }) {
  const routes = plan.routes as unknown as Route[];
  const size = 420;
  const centre = size / 2;
  const longest = Math.max(1, ...routes.map((r) => r.stops.reduce((s, x) => s + x.drive_km, 0)));
  const scale = (centre - 30) / longest;
  return (
    <figure style={{ margin: 0 }}>
      <svg viewBox={`0 0 ${size} ${size}`} width="100%" style={{ maxHeight: 440 }} role="img" aria-labelledby="route-title route-desc">
        <title id="route-title">On-site routes for {plan.day}</title>
        <desc id="route-desc">
          {routes.map((r) => `${names[r.technician_id] ?? r.technician_id}: ${r.stops.length} visits, ${r.distance_km.toFixed(1)} km`).join("; ")}
        </desc>
        {[0.33, 0.66, 1].map((f) => (
          <circle key={f} cx={centre} cy={centre} r={(centre - 30) * f} fill="none" stroke="var(--border)" strokeDasharray="3 4" />
        ))}
        {routes.map((route, index) => {
          const color = PALETTE[index % PALETTE.length]!;
          const angle = (index / Math.max(1, routes.length)) * Math.PI * 2;
          let reach = 0;
          const points = route.stops.map((stop, i) => {
            reach += stop.drive_km;
            const spread = angle + (i - (route.stops.length - 1) / 2) * 0.18;
            return { x: centre + Math.cos(spread) * reach * scale, y: centre + Math.sin(spread) * reach * scale, stop };
          });
          const path = [`M ${centre} ${centre}`, ...points.map((p) => `L ${p.x} ${p.y}`), `L ${centre} ${centre}`].join(" ");
          return (
            <g key={route.technician_id}>
              <path d={path} fill="none" stroke={color} strokeWidth={2.5} strokeLinejoin="round" opacity={0.85} />
              {points.map((p) => (
                <g key={p.stop.visit_id}>
                  <circle cx={p.x} cy={p.y} r={6} fill={color} stroke="var(--panel)" strokeWidth={2}>
                    <title>{`${p.stop.visit_id}: ${p.stop.arrival}–${p.stop.departure}, ${p.stop.drive_km} km drive`}</title>
                  </circle>
                  <text x={p.x + 8} y={p.y + 4} fontSize={10} fill="var(--text)">
                    {p.stop.arrival}
                  </text>
                </g>
              ))}
            </g>
          );
        })}
        <circle cx={centre} cy={centre} r={7} fill="var(--text)" />
        <text x={centre + 10} y={centre - 8} fontSize={11} fill="var(--muted)">
          home
        </text>
      </svg>
      <figcaption className="muted" style={{ fontSize: "0.8rem" }}>
        Leg lengths to scale ({Math.round(longest)} km to the outer ring); directions schematic.
      </figcaption>
      <ul style={{ listStyle: "none", padding: 0, display: "flex", flexWrap: "wrap", gap: 12, fontSize: "0.85rem" }}>
        {routes.map((r, i) => (
          <li key={r.technician_id}>
            <span style={{ display: "inline-block", width: 12, height: 12, background: PALETTE[i % PALETTE.length], borderRadius: 3, marginRight: 4 }} />
            {names[r.technician_id] ?? r.technician_id}: {r.stops.length} visits, {r.distance_km.toFixed(0)} km, home {r.back_home}
          </li>
        ))}
      </ul>
    </figure>
  );
}

// On-site routes drawn to scale on SVG from the sites' and homes' coordinates, without map tiles:
// each technician's day is a loop from home through the numbered stops. Hovering or focusing a stop
// shows its arrival, departure and time window; a scale bar and a legend explain the picture.
import { useState } from "react";
import type { Schemas } from "../api/client";
import { PALETTE } from "../charts";
import { fitProjection, scaleBarKm } from "../geo";

type Route = Schemas["RouteOut"];
type Stop = Schemas["RouteStopOut"];

const WIDTH = 560;
const HEIGHT = 420;

interface Focused {
  route: Route;
  stop: Stop;
  order: number;
  x: number;
  y: number;
}

export function RouteMap({ plan, names }: { plan: Schemas["RoutePlanOut"]; names: Record<string, string> }) {
  const [focused, setFocused] = useState<Focused>();
  const [only, setOnly] = useState<string>();
  const colour = (route: Route) => PALETTE[plan.routes.indexOf(route) % PALETTE.length]!;
  const routes = plan.routes.filter((r) => only === undefined || r.technician_id === only);
  const places = routes.flatMap((r) => [{ latitude: r.home_latitude, longitude: r.home_longitude }, ...r.stops]);
  const projection = fitProjection(places, WIDTH, HEIGHT, 36);
  const barKm = scaleBarKm(projection.pxPerKm, 120);
  const who = (route: Route) => names[route.technician_id] ?? route.technician_id;
  const describe = (f: Focused) =>
    `${who(f.route)}, stop ${f.order}: ${f.stop.visit_id}, arrives ${f.stop.arrival}, leaves ${f.stop.departure}, window ${f.stop.window_start}–${f.stop.window_end}, ${f.stop.drive_km.toFixed(1)} km drive`;
  return (
    <figure style={{ margin: 0 }}>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" style={{ maxHeight: 460, background: "var(--panel-2)", borderRadius: 6 }} role="group" aria-labelledby="route-title route-desc" data-testid="route-map">
        <title id="route-title">On-site routes for {plan.day}, drawn to scale</title>
        <desc id="route-desc">
          {routes.map((r) => `${who(r)}: ${r.stops.length} visits, ${r.distance_km.toFixed(1)} km`).join("; ")}
        </desc>
        {routes.map((route) => {
          const color = colour(route);
          const home = projection.at({ latitude: route.home_latitude, longitude: route.home_longitude });
          const points = route.stops.map((stop) => projection.at(stop));
          const path = [`M ${home.x} ${home.y}`, ...points.map((p) => `L ${p.x} ${p.y}`), `L ${home.x} ${home.y}`].join(" ");
          return (
            <g key={route.technician_id} aria-label={`Route of ${who(route)}`} role="list">
              <path d={path} fill="none" stroke={color} strokeWidth={2.5} strokeLinejoin="round" opacity={0.8} />
              <rect x={home.x - 6} y={home.y - 6} width={12} height={12} fill={color} stroke="var(--text)" strokeWidth={1.5}>
                <title>{`${who(route)}'s home: leaves at the start of the day, back at ${route.back_home}`}</title>
              </rect>
              {route.stops.map((stop, i) => {
                const at = points[i]!;
                const here: Focused = { route, stop, order: i + 1, ...at };
                const active = focused?.stop.visit_id === stop.visit_id;
                return (
                  <g
                    key={stop.visit_id}
                    role="listitem"
                    tabIndex={0}
                    aria-label={describe(here)}
                    data-testid="route-stop"
                    onMouseEnter={() => setFocused(here)}
                    onMouseLeave={() => setFocused(undefined)}
                    onFocus={() => setFocused(here)}
                    onBlur={() => setFocused(undefined)}
                    style={{ cursor: "default", outline: "none" }}
                  >
                    <circle cx={at.x} cy={at.y} r={active ? 11 : 9} fill={color} stroke={active ? "var(--focus)" : "var(--panel)"} strokeWidth={active ? 3 : 2} />
                    <text x={at.x} y={at.y + 3.5} fontSize={10} fontWeight={700} textAnchor="middle" fill="#fff" pointerEvents="none">
                      {i + 1}
                    </text>
                  </g>
                );
              })}
            </g>
          );
        })}
        {focused && <Tooltip focused={focused} name={who(focused.route)} />}
        <g transform={`translate(16 ${HEIGHT - 18})`} aria-hidden="true">
          <line x1={0} x2={barKm * projection.pxPerKm} y1={0} y2={0} stroke="var(--text)" strokeWidth={2} />
          <line x1={0} x2={0} y1={-4} y2={4} stroke="var(--text)" strokeWidth={2} />
          <line x1={barKm * projection.pxPerKm} x2={barKm * projection.pxPerKm} y1={-4} y2={4} stroke="var(--text)" strokeWidth={2} />
          <text x={0} y={-8} fontSize={11} fill="var(--text)" data-testid="route-scale">
            {barKm} km
          </text>
        </g>
        <text x={WIDTH - 14} y={22} fontSize={12} textAnchor="end" fill="var(--muted)" aria-hidden="true">
          N ↑
        </text>
      </svg>
      <div role="status" aria-live="polite" className="muted" style={{ fontSize: "0.8rem", minHeight: "1.2em" }}>
        {focused ? describe(focused) : "Hover over or tab to a stop for its times and window."}
      </div>
      <ul aria-label="Route legend" style={{ listStyle: "none", padding: 0, display: "flex", flexWrap: "wrap", gap: 8, fontSize: "0.85rem", margin: "6px 0 0" }}>
        {plan.routes.map((r) => (
          <li key={r.technician_id}>
            <button
              className="link"
              aria-pressed={only === r.technician_id}
              title={only === r.technician_id ? "Show every route" : "Zoom to this route"}
              onClick={() => {
                setFocused(undefined);
                setOnly(only === r.technician_id ? undefined : r.technician_id);
              }}
            >
              <span aria-hidden="true" style={{ display: "inline-block", width: 12, height: 12, background: colour(r), borderRadius: 3, marginRight: 4 }} />
              {who(r)}
            </button>
            : {r.stops.length} visits, {r.distance_km.toFixed(0)} km, home {r.back_home}
          </li>
        ))}
        <li className="muted">■ home · ● numbered stop in visiting order · pick a name to zoom to its route</li>
      </ul>
    </figure>
  );
}

function Tooltip({ focused, name }: { focused: Focused; name: string }) {
  const lines = [
    `${name} · stop ${focused.order}: ${focused.stop.visit_id}`,
    `${focused.stop.arrival}–${focused.stop.departure} (window ${focused.stop.window_start}–${focused.stop.window_end})`,
  ];
  const width = 250;
  const x = Math.min(Math.max(focused.x - width / 2, 4), WIDTH - width - 4);
  const y = focused.y > 60 ? focused.y - 52 : focused.y + 16;
  return (
    <g pointerEvents="none" aria-hidden="true">
      <rect x={x} y={y} width={width} height={38} rx={4} fill="var(--panel)" stroke="var(--border)" />
      {lines.map((line, i) => (
        <text key={line} x={x + 8} y={y + 15 + i * 15} fontSize={11} fill="var(--text)">
          {line}
        </text>
      ))}
    </g>
  );
}

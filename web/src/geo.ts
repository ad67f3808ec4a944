// Map projection for drawings without tiles: equirectangular around the points' mean latitude,
// fitted into a box with one scale for both axes (so distances and angles stay true locally).

export interface LatLon {
  latitude: number;
  longitude: number;
}

export interface Projection {
  /** The point's x and y in the box (y grows downwards). */
  at(point: LatLon): { x: number; y: number };
  /** Pixels per kilometre. */
  pxPerKm: number;
}

const KM_PER_DEGREE = (6371.0088 * Math.PI) / 180;

/** Fit `points` into `width` × `height` with `pad` pixels of margin, centred. */
export function fitProjection(points: LatLon[], width: number, height: number, pad: number): Projection {
  const meanLat = points.length ? points.reduce((s, p) => s + p.latitude, 0) / points.length : 0;
  const squeeze = Math.cos((meanLat * Math.PI) / 180);
  const xs = points.map((p) => p.longitude * squeeze);
  const ys = points.map((p) => p.latitude);
  const [minX, maxX] = [Math.min(...xs), Math.max(...xs)];
  const [minY, maxY] = [Math.min(...ys), Math.max(...ys)];
  // at least ~1 km across, so one point (or several at one site) does not zoom without bound
  const spanX = Math.max(maxX - minX, 0.01);
  const spanY = Math.max(maxY - minY, 0.01);
  const scale = Math.min((width - 2 * pad) / spanX, (height - 2 * pad) / spanY);
  const [midX, midY] = [(minX + maxX) / 2, (minY + maxY) / 2];
  return {
    at: (p) => ({ x: width / 2 + (p.longitude * squeeze - midX) * scale, y: height / 2 + (midY - p.latitude) * scale }),
    pxPerKm: scale / KM_PER_DEGREE,
  };
}

/** A round scale-bar length (1, 2 or 5 × 10^n km) close to `targetPx` pixels. */
export function scaleBarKm(pxPerKm: number, targetPx: number): number {
  const raw = targetPx / pxPerKm;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [5, 2, 1].find((m) => m * power <= raw) ?? 1;
  return step * power;
}

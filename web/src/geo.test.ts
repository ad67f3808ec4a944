import { describe, expect, it } from "vitest";
import { fitProjection, scaleBarKm } from "./geo";

function haversineKm(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const rad = Math.PI / 180;
  const h = Math.sin(((b.latitude - a.latitude) * rad) / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(((b.longitude - a.longitude) * rad) / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.sqrt(h));
}

describe("fitProjection", () => {
  const points = [
    { latitude: 52.52, longitude: 13.4 },
    { latitude: 52.4, longitude: 13.06 },
    { latitude: 52.6, longitude: 13.6 },
  ];

  it("keeps every point inside the box with its margin", () => {
    const projection = fitProjection(points, 400, 300, 20);
    for (const p of points) {
      const { x, y } = projection.at(p);
      expect(x).toBeGreaterThanOrEqual(20 - 1e-9);
      expect(x).toBeLessThanOrEqual(380 + 1e-9);
      expect(y).toBeGreaterThanOrEqual(20 - 1e-9);
      expect(y).toBeLessThanOrEqual(280 + 1e-9);
    }
  });

  it("puts north up and east right", () => {
    const projection = fitProjection(points, 400, 300, 20);
    const [berlin, potsdam] = [projection.at(points[0]!), projection.at(points[1]!)];
    expect(potsdam.x).toBeLessThan(berlin.x);
    expect(potsdam.y).toBeGreaterThan(berlin.y);
  });

  it("draws distances to scale within a percent over a city", () => {
    const projection = fitProjection(points, 400, 300, 20);
    for (const [a, b] of [[points[0]!, points[1]!], [points[1]!, points[2]!]]) {
      const [pa, pb] = [projection.at(a), projection.at(b)];
      const drawnKm = Math.hypot(pa.x - pb.x, pa.y - pb.y) / projection.pxPerKm;
      expect(drawnKm / haversineKm(a, b)).toBeCloseTo(1, 2);
    }
  });

  it("centres a single point", () => {
    const projection = fitProjection([points[0]!], 400, 300, 20);
    expect(projection.at(points[0]!)).toEqual({ x: 200, y: 150 });
  });
});

describe("scaleBarKm", () => {
  it("picks a round length no longer than the target", () => {
    expect(scaleBarKm(10, 100)).toBe(10);
    expect(scaleBarKm(10, 80)).toBe(5);
    expect(scaleBarKm(1, 300)).toBe(200);
    expect(scaleBarKm(100, 50)).toBe(0.5);
  });
});

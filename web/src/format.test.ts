import { describe, expect, it } from "vitest";
import { fmtMoney, fmtPct, fmtRatio, humanize } from "./format";
import { allowed } from "./permissions";
import { decodeClaims } from "./session";

describe("format", () => {
  it("shows missing numbers as a dash", () => {
    expect(fmtMoney(null)).toBe("—");
    expect(fmtPct(undefined)).toBe("—");
  });
  it("formats money, percentages and ratios", () => {
    expect(fmtMoney(1234.4)).toBe("$1,234");
    expect(fmtPct(12.345)).toBe("12.3%");
    expect(fmtRatio(0.875)).toBe("88%");
  });
  it("turns kinds into words", () => {
    expect(humanize("licence_over_deployed")).toBe("Licence over deployed");
  });
});

describe("permissions", () => {
  it("lets a viewer read but not acknowledge findings", () => {
    expect(allowed(["viewer"], "findings:write")).toBe(false);
    expect(allowed(["viewer"], "spend:read")).toBe(true);
    expect(allowed(["finance"], "findings:write")).toBe(true);
  });
});

describe("decodeClaims", () => {
  it("reads the subject and roles of a JWT without verifying it", () => {
    const payload = btoa(JSON.stringify({ sub: "a@b.c", roles: ["viewer"], exp: 5 })).replace(/=+$/, "");
    expect(decodeClaims(`x.${payload}.y`)).toEqual({ sub: "a@b.c", roles: ["viewer"], exp: 5 });
  });
  it("answers null for something that is not a token", () => {
    expect(decodeClaims("garbage")).toBeNull();
  });
});

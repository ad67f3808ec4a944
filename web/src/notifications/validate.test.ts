import { describe, expect, it } from "vitest";
import { checkDraft, type Preferences } from "../components/NotificationPreferences";
import { findingHref, findingId } from "./links";
import { checkEndpoint, checkFilterPolicy, isClockTime, isTimeZone } from "./validate";

const error = (text: string, scope: "MessageAttributes" | "MessageBody" = "MessageAttributes") => {
  const checked = checkFilterPolicy(text, scope);
  return checked.ok ? null : checked.error;
};

describe("filter policies", () => {
  it("accepts SNS policies and an empty one", () => {
    expect(checkFilterPolicy("", "MessageAttributes")).toEqual({ ok: true, value: null });
    expect(error('{"severity": ["critical", "high"], "score": [{"numeric": [">=", 0.8]}]}')).toBeNull();
    expect(error('{"$or": [{"agent": ["sli"]}, {"kind": [{"prefix": "licence"}]}]}')).toBeNull();
    expect(error('{"detail": {"client": ["CL-1"]}}', "MessageBody")).toBeNull();
  });
  it("says what is wrong", () => {
    expect(error("{severity: 1}")).toMatch(/not valid JSON/);
    expect(error("[]")).toMatch(/expected a JSON object/);
    expect(error('{"severity": "high"}')).toMatch(/severity: expected a list of values/);
    expect(error('{"detail": {"client": ["CL-1"]}}')).toMatch(/cannot nest objects/);
    expect(error('{"kind": [{"wildcard": "lic*"}]}')).toMatch(/no wildcard/);
    expect(error('{"kind": [{"startswith": "lic"}]}')).toMatch(/unknown operator startswith/);
    expect(error('{"a": [1], "b": [1], "c": [1], "d": [1], "e": [1], "f": [1]}')).toMatch(/at most 5 keys/);
    expect(error('{"score": [2e9]}')).toMatch(/between -1e9 and 1e9/);
  });
});

describe("endpoints, times and zones", () => {
  it("checks an endpoint against its protocol", () => {
    expect(checkEndpoint("email", "ann@msp.example")).toBeNull();
    expect(checkEndpoint("email", "ann at msp")).toMatch(/email address/);
    expect(checkEndpoint("https", "ftp://x")).toMatch(/https:\/\//);
    expect(checkEndpoint("in_app", " ")).toMatch(/Enter an endpoint/);
  });
  it("reads clock times and time zones", () => {
    expect(isClockTime("22:00")).toBe(true);
    expect(isClockTime("24:00")).toBe(false);
    expect(isTimeZone("Europe/Berlin")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
  });
  it("refuses preferences the server would refuse", () => {
    const base: Preferences = { timezone: "UTC", digest: "off", digest_hour: 8, digest_weekday: 0, quiet_hours_allow_critical: true, quiet_hours: ["22:00", "07:00"] };
    expect(checkDraft(base)).toBeNull();
    expect(checkDraft({ ...base, timezone: "Berlin" })).toMatch(/not a time zone/);
    expect(checkDraft({ ...base, quiet_hours: ["22:00", "22:00"] })).toMatch(/same time/);
  });
});

describe("notification links", () => {
  it("finds the finding in absolute and relative links", () => {
    expect(findingId("http://127.0.0.1:8000/findings/abc123")).toBe("abc123");
    expect(findingId("/findings/abc123?x=1")).toBe("abc123");
    expect(findingId("https://example.com/clients/CL-1")).toBeNull();
    expect(findingHref("a b")).toBe("/findings?status=&id=a%20b");
  });
});

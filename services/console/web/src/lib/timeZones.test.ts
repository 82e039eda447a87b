import { describe, expect, it } from "vitest";
import { DEFAULT_TIME_ZONE, timeZoneOptions, wallClock } from "./timeZones";

describe("time zones", () => {
  it("offers the default, UTC and the current zone, sorted, once each", () => {
    const zones = timeZoneOptions("Etc/GMT+5");
    expect(zones).toContain(DEFAULT_TIME_ZONE);
    expect(zones).toContain("UTC");
    expect(zones).toContain("Etc/GMT+5");
    expect(new Set(zones).size).toBe(zones.length);
    expect([...zones].sort()).toEqual(zones);
  });

  it("sends a datetime-local value as the wall-clock time it is, without an offset", () => {
    expect(wallClock("2026-03-02T00:00")).toBe("2026-03-02T00:00");
    expect(wallClock("2026-03-02T10:15:30")).toBe("2026-03-02T10:15:30");
    expect(wallClock("")).toBeUndefined();
    expect(wallClock(null)).toBeUndefined();
    expect(wallClock("yesterday")).toBeUndefined();
  });
});

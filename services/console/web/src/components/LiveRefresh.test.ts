import { describe, expect, it } from "vitest";
import { clockTime } from "./LiveRefresh";

describe("clockTime", () => {
  it("shows hours, minutes and seconds, two digits each", () => {
    expect(clockTime(new Date(2026, 0, 2, 9, 5, 7))).toBe("09:05:07");
    expect(clockTime(new Date(2026, 0, 2, 23, 59, 59))).toBe("23:59:59");
  });
});

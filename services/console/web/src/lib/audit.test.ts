import { describe, expect, it } from "vitest";
import { describeChanges } from "./audit";

describe("describeChanges", () => {
  it("shows a change from one value to another, and plain values as they are", () => {
    expect(describeChanges({ timeZone: { from: "Asia/Kolkata", to: "Europe/London" } })).toBe("timeZone: Asia/Kolkata → Europe/London");
    expect(describeChanges({ webhookUrl: { from: null, to: "https://x.example/h" }, role: "user" })).toBe("webhookUrl: — → https://x.example/h; role: user");
    expect(describeChanges({ entries: ["10.0.0.0/8"], amountMinor: 5000 })).toBe('entries: ["10.0.0.0/8"]; amountMinor: 5000');
    expect(describeChanges({})).toBe("");
  });
});

import { describe, expect, it } from "vitest";
import { evidenceOf, percent, severityColor, subjectOf } from "./anomaly";

const flood = {
  subjectType: "NUMBER",
  subject: "+919811100123",
  evidence: { otpMessages: 8, threshold: 5, failureRate: 0.8, ranges: ["+9198111"], detail: { a: 1 }, kind: "OTP" },
};

describe("an alert in words", () => {
  it("names its subject with its kind", () => {
    expect(subjectOf(flood)).toBe("NUMBER +919811100123");
  });
  it("lists the evidence's numbers and words, fractions to two places, lists and objects left out", () => {
    expect(evidenceOf(flood)).toBe("otpMessages 8 · threshold 5 · failureRate 0.80 · kind OTP");
    expect(evidenceOf({ ...flood, evidence: {} })).toBe("");
  });
  it("shows a rate as a percentage to one place", () => {
    expect(percent(0.8)).toBe("80.0%");
    expect(percent(0)).toBe("0.0%");
    expect(percent(1 / 3)).toBe("33.3%");
  });
  it("colours a severity as the risk level's thresholds", () => {
    expect([0, 29, 30, 59, 60, 100].map(severityColor)).toEqual(["gray", "gray", "yellow", "yellow", "red", "red"]);
  });
});

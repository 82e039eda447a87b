import { describe, expect, it } from "vitest";
import { holdReason, holdSubject } from "./fraudHolds";

describe("fraud holds in words", () => {
  it("names a held number range and a held country", () => {
    expect(holdSubject({ subjectType: "PREFIX", subject: "+91987650" })).toBe("+91987650xxxx (number range)");
    expect(holdSubject({ subjectType: "COUNTRY", subject: "GB" })).toBe("GB (country)");
  });

  it("says why: the finding, its evidence numbers, the probability and the top reasons", () => {
    const reason = holdReason({
      alertType: "NUMBER_RANGE_CONCENTRATION",
      probability: 0.974,
      evidence: { submitted: 120, share: 0.8, ranges: ["+91987650"] },
      reasons: [
        { feature: "top_range_share", reason: "traffic concentrated on one number range", value: 0.8, weight: 2 },
        { feature: "x", reason: "second", value: 1, weight: 1 },
        { feature: "y", reason: "third, not shown", value: 1, weight: 1 },
      ],
    });
    expect(reason).toBe(
      "number range concentration (submitted 120, share 0.8); fraud probability 0.97: traffic concentrated on one number range; second",
    );
  });
});

import { describe, expect, it } from "vitest";
import { money, segmentSummary } from "./format";

describe("segmentSummary", () => {
  it("shows characters, encoding, segments and variables", () => {
    expect(segmentSummary({ characters: 42, encoding: "GSM-7", segments: 1, placeholders: 2 })).toBe(
      "42 characters · GSM-7 · 1 segment · 2 variables",
    );
    expect(segmentSummary({ characters: 200, encoding: "UCS-2", segments: 3, placeholders: 0 })).toBe(
      "200 characters · UCS-2 · 3 segments",
    );
  });
  it("omits encoding and segments for non-SMS channels", () => {
    expect(segmentSummary({ characters: 1, encoding: null, segments: null, placeholders: 1 })).toBe("1 character · 1 variable");
  });
});

describe("money", () => {
  it("formats minor units", () => {
    expect(money(12345, "INR")).toBe("123.45 INR");
    expect(money(null)).toBe("—");
  });
});

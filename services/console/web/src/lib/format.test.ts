import { describe, expect, it } from "vitest";
import { dateTime, maskSecret, money, segmentSummary, setDisplayTimeZone } from "./format";

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

describe("dateTime", () => {
  it("shows the date and the time to the second", () => {
    expect(dateTime("2025-03-06T09:00:05Z", "Asia/Kolkata")).toBe("2025-03-06 14:30:05");
    expect(dateTime("2025-03-06T09:00:05.999Z", "UTC")).toBe("2025-03-06 09:00:05");
    expect(dateTime("2025-12-31T23:59:59+05:30", "UTC")).toBe("2025-12-31 18:29:59");
  });
  it("uses a 24-hour clock: midnight is 00, not 24", () => {
    expect(dateTime("2025-03-06T00:00:00Z", "UTC")).toBe("2025-03-06 00:00:00");
    expect(dateTime("2025-03-06T13:07:00Z", "UTC")).toBe("2025-03-06 13:07:00");
  });
  it("shows a missing time as a dash and an unreadable one as it came", () => {
    expect(dateTime(null)).toBe("—");
    expect(dateTime(undefined)).toBe("—");
    expect(dateTime("")).toBe("—");
    expect(dateTime("not a date")).toBe("not a date");
  });
  it("uses the display time zone when none is given", () => {
    try {
      setDisplayTimeZone("Asia/Kolkata");
      expect(dateTime("2025-03-06T20:00:00Z")).toBe("2025-03-07 01:30:00");
      setDisplayTimeZone("UTC");
      expect(dateTime("2025-03-06T20:00:00Z")).toBe("2025-03-06 20:00:00");
    } finally {
      setDisplayTimeZone(undefined);
    }
  });
});

describe("maskSecret", () => {
  it("keeps the kind prefix and the last 4 characters only", () => {
    const secret = "whsec_Zk3p9QwErTyUiOpAsDfGhJkL1234";
    const masked = maskSecret(secret);
    expect(masked).toBe("whsec_••••••••1234");
    expect(masked).not.toContain("Zk3p9");
  });
  it("hides a short secret whole", () => {
    expect(maskSecret("abc")).toBe("••••••••");
    expect(maskSecret("whsec_short")).toBe("whsec_••••••••");
  });
});

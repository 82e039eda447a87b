import { describe, expect, it } from "vitest";
import {
  bucketFor,
  bucketsAllowed,
  cellText,
  channelRates,
  customSpan,
  describeChart,
  effectiveBucket,
  heatmapMatrix,
  rangeSpan,
  rateText,
  reportsLink,
  summaryQuery,
  wallClockOf,
} from "./logic";

const DAY = 86_400_000;

describe("rateText", () => {
  it("shows a 0-1 rate as a percentage to one decimal", () => {
    expect(rateText(0.8)).toBe("80.0%");
    expect(rateText(1)).toBe("100.0%");
    expect(rateText(0)).toBe("0.0%");
    expect(rateText(2 / 3)).toBe("66.7%");
  });
  it("shows no rate (no messages) as a dash", () => {
    expect(rateText(null)).toBe("—");
    expect(rateText(undefined)).toBe("—");
  });
});

describe("bucket choice", () => {
  it("draws a preset in hours, days or weeks by its length", () => {
    expect(bucketFor(rangeSpan("24h"))).toBe("hour");
    expect(bucketFor(rangeSpan("7d"))).toBe("day");
    expect(bucketFor(rangeSpan("30d"))).toBe("day");
    expect(bucketFor(rangeSpan("90d"))).toBe("week");
  });
  it("draws a custom range by its span", () => {
    expect(bucketFor(customSpan("2026-12-01T00:00", "2026-12-02T12:00"))).toBe("hour");
    expect(bucketFor(customSpan("2026-12-01T00:00", "2026-12-03T00:01"))).toBe("day");
    expect(bucketFor(customSpan("2026-10-01T00:00", "2026-12-01T00:00"))).toBe("week");
  });
  it("refuses an incomplete or backwards custom range", () => {
    expect(customSpan("2026-12-02T00:00", "2026-12-01T00:00")).toBeNull();
    expect(customSpan("2026-12-02T00:00", null)).toBeNull();
    expect(customSpan("not a date", "2026-12-01T00:00")).toBeNull();
    expect(summaryQuery({ range: "custom", from: "2026-12-02T00:00", to: null, bucket: null, channel: null })).toBeNull();
  });
  it("offers hours only up to 31 days and weeks only from 7 days", () => {
    expect(bucketsAllowed(DAY)).toEqual(["hour", "day"]);
    expect(bucketsAllowed(7 * DAY)).toEqual(["hour", "day", "week"]);
    expect(bucketsAllowed(90 * DAY)).toEqual(["day", "week"]);
  });
  it("keeps a chosen bucket the range allows, else falls back to the range's own", () => {
    expect(effectiveBucket("day", DAY)).toBe("day");
    expect(effectiveBucket("week", DAY)).toBe("hour");
    expect(effectiveBucket("hour", 90 * DAY)).toBe("week");
    expect(effectiveBucket(null, 30 * DAY)).toBe("day");
  });
});

describe("summaryQuery", () => {
  it("sends a preset with its bucket and channel", () => {
    expect(summaryQuery({ range: "7d", from: "x", to: "y", bucket: null, channel: "SMS" })).toEqual({ range: "7d", bucket: "day", channel: "SMS" });
    expect(summaryQuery({ range: "24h", from: null, to: null, bucket: "day", channel: null })).toEqual({ range: "24h", bucket: "day" });
  });
  it("sends a custom range's wall-clock ends", () => {
    expect(summaryQuery({ range: "custom", from: "2026-12-01T00:00", to: "2026-12-01T06:00", bucket: null, channel: null })).toEqual({
      range: "custom",
      from: "2026-12-01T00:00",
      to: "2026-12-01T06:00",
      bucket: "hour",
    });
  });
});

describe("reportsLink", () => {
  it("links to Reports with the summary's range in the account's wall-clock time and its channel", () => {
    expect(wallClockOf("2026-12-02T13:00:00+05:30")).toBe("2026-12-02T13:00:00");
    expect(wallClockOf("2026-12-02T13:00:00.123456+05:30")).toBe("2026-12-02T13:00:00");
    expect(reportsLink({ range_from: "2026-12-02T13:00:00+05:30", range_to: "2026-12-03T13:00:00+05:30" }, "WHATSAPP")).toBe(
      "/reports?from=2026-12-02T13%3A00%3A00&to=2026-12-03T13%3A00%3A00&channel=WHATSAPP",
    );
    expect(reportsLink({ range_from: "2026-12-02T13:00:00Z", range_to: "2026-12-03T13:00:00Z" }, null)).toBe(
      "/reports?from=2026-12-02T13%3A00%3A00&to=2026-12-03T13%3A00%3A00",
    );
  });
});

describe("heatmapMatrix", () => {
  it("fills all 7 x 24 cells, missing ones as 0, as [hour, weekday, total]", () => {
    const m = heatmapMatrix([{ weekday: 2, hour: 14, total: 5 }]);
    expect(m.data).toHaveLength(168);
    expect(m.data[2 * 24 + 14]).toEqual([14, 2, 5]);
    expect(m.data[0]).toEqual([0, 0, 0]);
    expect(m.data.reduce((s, [, , v]) => s + v, 0)).toBe(5);
  });
  it("finds the busiest cell and the scale's maximum", () => {
    const m = heatmapMatrix([
      { weekday: 6, hour: 23, total: 3 },
      { weekday: 1, hour: 9, total: 7 },
      { weekday: 4, hour: 9, total: 7 },
      { weekday: 0, hour: 0, total: 1 },
    ]);
    expect(m.busiest).toEqual({ weekday: 1, hour: 9, total: 7 }); // the earliest in the week of equal ones
    expect(m.max).toBe(7);
    expect(cellText(m.busiest!)).toBe("Tue 09:00 (7 messages)");
  });
  it("adds repeated cells and drops ones outside the week", () => {
    const m = heatmapMatrix([
      { weekday: 3, hour: 1, total: 2 },
      { weekday: 3, hour: 1, total: 4 },
      { weekday: 7, hour: 1, total: 99 },
      { weekday: 0, hour: 24, total: 99 },
    ]);
    expect(m.busiest).toEqual({ weekday: 3, hour: 1, total: 6 });
    expect(m.max).toBe(6);
  });
  it("has no busiest cell without traffic", () => {
    expect(heatmapMatrix([]).busiest).toBeNull();
    expect(heatmapMatrix([{ weekday: 1, hour: 1, total: 0 }]).max).toBe(0);
  });
});

describe("channelRates", () => {
  it("lists the four channels in the guide's order, those without messages with no rate", () => {
    const rates = channelRates([
      { channel: "WHATSAPP", rate: 1, total: 3 },
      { channel: "SMS", rate: 0.25, total: 8 },
      { channel: "RCS", rate: null, total: 0 },
    ]);
    expect(rates).toEqual([
      { channel: "SMS", rate: 0.25, total: 8 },
      { channel: "WHATSAPP", rate: 1, total: 3 },
      { channel: "RCS", rate: null, total: 0 },
      { channel: "VOICE", rate: null, total: 0 },
    ]);
    expect(describeChart("Delivery rate per channel", rates.map((r) => [r.channel, rateText(r.rate)]))).toBe(
      "Delivery rate per channel. SMS: 25.0%; WHATSAPP: 100.0%; RCS: —; VOICE: —.",
    );
  });
});

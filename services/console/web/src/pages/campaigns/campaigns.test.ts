import { describe, expect, it } from "vitest";
import {
  actionsFor,
  anyActive,
  campaignFields,
  CAMPAIGN_STATUSES,
  columnsHint,
  fileNote,
  isActive,
  megabytes,
  progressPercent,
  wallTimeToIso,
} from "./campaigns";

describe("statuses", () => {
  it("polls only while a campaign moves on its own", () => {
    expect(CAMPAIGN_STATUSES.filter(isActive)).toEqual(["CREATED", "QUEUED", "PROCESSING"]);
    expect(anyActive([{ status: "COMPLETED" }, { status: "PAUSED" }, { status: "FAILED" }])).toBe(false);
    expect(anyActive([{ status: "COMPLETED" }, { status: "QUEUED" }])).toBe(true);
    expect(anyActive([])).toBe(false);
    expect(anyActive(undefined)).toBe(false);
  });

  it("offers the actions the service allows from each status", () => {
    expect(actionsFor("CREATED")).toEqual(["pause", "cancel"]);
    expect(actionsFor("QUEUED")).toEqual(["pause", "cancel"]);
    expect(actionsFor("PROCESSING")).toEqual(["pause", "cancel"]);
    expect(actionsFor("PAUSED")).toEqual(["resume", "cancel"]);
    for (const final of ["COMPLETED", "FAILED", "CANCELLED"]) expect(actionsFor(final)).toEqual([]);
  });
});

describe("progressPercent", () => {
  it("is processed over total, whole, within 0-100", () => {
    expect(progressPercent({ processed: 0, total: 0 })).toBe(0);
    expect(progressPercent({ processed: 1, total: 3 })).toBe(33);
    expect(progressPercent({ processed: 999, total: 1000 })).toBe(99); // not 100 before the last row
    expect(progressPercent({ processed: 7, total: 7 })).toBe(100);
    expect(progressPercent({ processed: 9, total: 7 })).toBe(100);
  });
});

describe("fileNote", () => {
  it("says the limit, the file's size, and when it is too large", () => {
    expect(fileNote(null)).toEqual({ text: "A CSV file of up to 200 MB", tooLarge: false });
    expect(fileNote({ size: 1536 * 1024 })).toEqual({ text: "1.5 MB of at most 200 MB", tooLarge: false });
    expect(fileNote({ size: 201 * 1024 * 1024 })).toEqual({ text: "201 MB: larger than the 200 MB limit", tooLarge: true });
    expect(fileNote({ size: 2048 }, 1024).tooLarge).toBe(true);
    expect(megabytes(0)).toBe("0.0 MB");
  });
});

describe("campaignFields", () => {
  const sms = { channel: "SMS" as const, templateId: "7", senderId: "CPAASD" };

  it("sends the sender ID for SMS only, and no fallback or schedule when none is set", () => {
    expect(campaignFields({ name: "  diwali_promo_2025 ", primary: sms, fallbacks: [], scheduledAt: "", timeZone: "Asia/Kolkata" })).toEqual([
      ["name", "diwali_promo_2025"],
      ["channel", "SMS"],
      ["templateId", "7"],
      ["senderId", "CPAASD"],
    ]);
    const wa = { channel: "WHATSAPP" as const, templateId: "9", senderId: "CPAASD" };
    expect(campaignFields({ name: "n", primary: wa, fallbacks: [], scheduledAt: "", timeZone: "Asia/Kolkata" })).toEqual([
      ["name", "n"],
      ["channel", "WHATSAPP"],
      ["templateId", "9"],
    ]);
  });

  it("writes the fallback levels as JSON and the schedule as the instant of the account's wall time", () => {
    const fields = campaignFields({
      name: "n",
      primary: { channel: "RCS", templateId: "3", senderId: null },
      fallbacks: [
        { channel: "WHATSAPP", templateId: "4", senderId: "IGNORED" },
        { channel: "SMS", templateId: "5", senderId: "CPAASD" },
      ],
      scheduledAt: "2025-10-20T10:00",
      timeZone: "Asia/Kolkata",
    });
    expect(Object.fromEntries(fields)).toEqual({
      name: "n",
      channel: "RCS",
      templateId: "3",
      fallback: JSON.stringify([
        { channel: "WHATSAPP", templateId: 4 },
        { channel: "SMS", templateId: 5, senderId: "CPAASD" },
      ]),
      scheduledAt: "2025-10-20T04:30:00.000Z",
    });
  });
});

describe("columnsHint", () => {
  it("puts each level's variables after the levels before it", () => {
    expect(columnsHint([])).toBe("column 1: the phone number");
    expect(columnsHint([0])).toBe("column 1: the phone number");
    expect(columnsHint([2])).toBe("column 1: the phone number; columns 2-3: the template's variables");
    expect(columnsHint([2, 0, 1])).toBe(
      "column 1: the phone number; columns 2-3: the template's variables; column 4: fallback 2's variable",
    );
    expect(columnsHint([1, 2])).toBe(
      "column 1: the phone number; column 2: the template's variable; columns 3-4: fallback 1's variables",
    );
  });
});

describe("wallTimeToIso", () => {
  it("reads the typed time in the account's zone, across DST changes", () => {
    expect(wallTimeToIso("2025-10-20T10:00", "Asia/Kolkata")).toBe("2025-10-20T04:30:00.000Z");
    expect(wallTimeToIso("2025-10-20T10:00", "UTC")).toBe("2025-10-20T10:00:00.000Z");
    expect(wallTimeToIso("2025-07-01T09:00", "America/New_York")).toBe("2025-07-01T13:00:00.000Z");
    expect(wallTimeToIso("2025-01-15T09:00", "America/New_York")).toBe("2025-01-15T14:00:00.000Z");
    expect(wallTimeToIso("2025-03-30T03:30:15", "Europe/Berlin")).toBe("2025-03-30T01:30:15.000Z");
    expect(wallTimeToIso("next tuesday", "UTC")).toBeNull();
  });

  it("sends an unreadable schedule as typed, for the service to refuse", () => {
    const sms = { channel: "SMS" as const, templateId: "7", senderId: null };
    const fields = campaignFields({ name: "n", primary: sms, fallbacks: [], scheduledAt: "soon", timeZone: "UTC" });
    expect(Object.fromEntries(fields).scheduledAt).toBe("soon");
  });
});

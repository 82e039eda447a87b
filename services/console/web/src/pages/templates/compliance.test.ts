import { describe, expect, it } from "vitest";
import { applySuggestion, compose, draftSegments, highlight, isStale, locate } from "./compliance";

const RISKY = "URGENT! share your OTP at bit.ly/x";
// the ai service's spans for RISKY (CHECK-7 URGENT, CHECK-9 share your OTP, CHECK-6 bit.ly/x)
const SPANS = [
  { check: "CHECK-7", start: 0, end: 6 },
  { check: "CHECK-9", start: 8, end: 22 },
  { check: "CHECK-6", start: 26, end: 34 },
];

describe("compose", () => {
  it("joins the non-empty parts by newlines and keeps each part's place", () => {
    const c = compose([
      { key: "header", label: "Header", text: "Diwali offers" },
      { key: "body", label: "Body", text: "Hi {{1}}" },
      { key: "footer", label: "Footer", text: "  " },
      { key: "button.0", label: "Button 1", text: "Shop" },
    ]);
    expect(c.text).toBe("Diwali offers\nHi {{1}}\nShop");
    expect(c.parts.map((p) => [p.key, p.start, p.end])).toEqual([
      ["header", 0, 13],
      ["body", 14, 22],
      ["button.0", 23, 27],
    ]);
    for (const p of c.parts) expect(c.text.slice(p.start, p.end)).toBe(p.text);
  });
});

describe("locate", () => {
  it("maps a span of the composed text into the field it falls in", () => {
    const c = compose([
      { key: "header", label: "Header", text: "Big news" },
      { key: "body", label: "Body", text: RISKY },
    ]);
    const at = locate(c, { start: 9 + 26, end: 9 + 34 });
    expect(at).toEqual({ key: "body", label: "Body", start: 26, end: 34, text: "bit.ly/x" });
    expect(locate(c, { start: 8, end: 9 })).toBeNull(); // the newline between parts
  });

  it("cuts a span that runs past its part at the part's end", () => {
    const c = compose([
      { key: "a", label: "A", text: "abc" },
      { key: "b", label: "B", text: "def" },
    ]);
    expect(locate(c, { start: 1, end: 6 })?.text).toBe("bc");
  });
});

describe("highlight", () => {
  it("marks each warning's span and leaves the rest plain", () => {
    const segments = highlight(RISKY, SPANS);
    expect(segments.map((s) => s.text).join("")).toBe(RISKY);
    expect(segments.filter((s) => s.checks.length).map((s) => [s.text, s.checks])).toEqual([
      ["URGENT", ["CHECK-7"]],
      ["share your OTP", ["CHECK-9"]],
      ["bit.ly/x", ["CHECK-6"]],
    ]);
  });

  it("gives overlapping spans' common run both checks", () => {
    const segments = highlight("abcdef", [
      { check: "CHECK-1", start: 0, end: 4 },
      { check: "CHECK-2", start: 2, end: 6 },
    ]);
    expect(segments.map((s) => [s.text, s.checks])).toEqual([
      ["ab", ["CHECK-1"]],
      ["cd", ["CHECK-1", "CHECK-2"]],
      ["ef", ["CHECK-2"]],
    ]);
  });

  it("ignores spans outside the text", () => {
    expect(highlight("abc", [{ check: "CHECK-5", start: 2, end: 9 }])).toEqual([{ text: "abc", checks: [] }]);
  });
});

describe("applySuggestion", () => {
  it("rewrites the span where it was checked", () => {
    expect(applySuggestion(RISKY, { start: 26, end: 34, text: "bit.ly/x" }, "https://yourbrand.in/x")).toBe(
      "URGENT! share your OTP at https://yourbrand.in/x",
    );
    expect(applySuggestion(RISKY, { start: 0, end: 6, text: "URGENT" }, "Important")).toBe("Important! share your OTP at bit.ly/x");
  });

  it("finds the span again after an earlier edit moved it", () => {
    const edited = "Important! share your OTP at bit.ly/x"; // CHECK-7 applied first: the other spans moved by 3
    expect(applySuggestion(edited, { start: 26, end: 34, text: "bit.ly/x" }, "https://yourbrand.in/x")).toBe(
      "Important! share your OTP at https://yourbrand.in/x",
    );
  });

  it("gives up when the span's text is gone", () => {
    expect(applySuggestion("Hello", { start: 0, end: 6, text: "URGENT" }, "Important")).toBeNull();
  });
});

describe("isStale and draftSegments", () => {
  it("knows a check made on another text", () => {
    const c = compose([{ key: "body", label: "Body", text: "Hi" }]);
    expect(isStale(null, c)).toBe(false);
    expect(isStale("Hi", c)).toBe(false);
    expect(isStale("Hello", c)).toBe(true);
  });

  it("says an SMS draft's segments", () => {
    expect(draftSegments({ segments: 1, encoding: "GSM-7", exampleSegments: 1 })).toBe("1 segment (GSM-7)");
    expect(draftSegments({ segments: 2, encoding: "GSM-7", exampleSegments: 1 })).toBe("2 segments (GSM-7); 1 with the example values");
    expect(draftSegments({ segments: null })).toBeNull();
  });
});

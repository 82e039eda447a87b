import { describe, expect, it } from "vitest";
import { MAX_ADJUSTMENT_MINOR, parseRupees, rupees } from "./money";

const minor = (text: string) => {
  const parsed = parseRupees(text);
  return parsed.ok ? parsed.minor : parsed.error;
};

describe("parseRupees", () => {
  it("turns rupees into whole paise without float rounding", () => {
    expect(minor("250")).toBe(25000);
    expect(minor("250.5")).toBe(25050);
    expect(minor("250.50")).toBe(25050);
    expect(minor("0.29")).toBe(29);
    expect(minor(".5")).toBe(50);
    expect(minor("12.")).toBe(1200);
  });
  it("keeps the sign: negative is a debit", () => {
    expect(minor("-100")).toBe(-10000);
    expect(minor("-0.01")).toBe(-1);
    expect(minor("+3")).toBe(300);
  });
  it("accepts a rupee sign, spaces and thousands commas", () => {
    expect(minor(" ₹1,25,000.75 ")).toBe(12500075);
    expect(minor("- 10")).toBe(-1000);
  });
  it("refuses what is not an amount", () => {
    expect(minor("")).toBe("enter an amount");
    expect(minor("abc")).toMatch(/enter a number/);
    expect(minor("1e3")).toMatch(/enter a number/);
    expect(minor("-")).toMatch(/enter a number/);
    expect(minor(".")).toMatch(/enter a number/);
    expect(minor("1.2.3")).toMatch(/enter a number/);
    expect(minor("1.234")).toBe("at most 2 decimal places (paise)");
  });
  it("refuses 0 and amounts billing would refuse", () => {
    expect(minor("0")).toBe("the amount must not be 0");
    expect(minor("-0.00")).toBe("the amount must not be 0");
    expect(minor(String(MAX_ADJUSTMENT_MINOR / 100))).toBe(MAX_ADJUSTMENT_MINOR);
    expect(minor("10000000000.01")).toBe("this amount is too large");
    expect(minor("99999999999999999999")).toBe("this amount is too large");
  });
});

describe("rupees", () => {
  it("formats paise as rupees, Indian grouping, no sign", () => {
    expect(rupees(25050)).toBe("₹250.50");
    expect(rupees(-1)).toBe("₹0.01");
    expect(rupees(12500075)).toBe("₹1,25,000.75");
  });
});

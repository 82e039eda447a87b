import { describe, expect, it } from "vitest";
import { fillVariables, placeholderCount } from "./variables";

describe("placeholderCount", () => {
  it("counts DLT placeholders in order and numbered ones by their highest number", () => {
    expect(placeholderCount("Your OTP is {#var#}, valid {#VAR#} min")).toBe(2);
    expect(placeholderCount("Hi {{1}}, order {{3}} shipped")).toBe(3);
    expect(placeholderCount("No variables")).toBe(0);
  });
});

describe("fillVariables", () => {
  it("fills DLT placeholders in order and shows missing ones by position", () => {
    expect(fillVariables("OTP {#var#} for {#var#} min", ["482913"])).toBe("OTP 482913 for [2] min");
  });
  it("fills numbered placeholders by number", () => {
    expect(fillVariables("Hi {{ 1 }}, order {{2}}", ["Asha", "A-17"])).toBe("Hi Asha, order A-17");
  });
});

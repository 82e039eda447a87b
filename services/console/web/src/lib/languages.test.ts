import { describe, expect, it } from "vitest";
import { DEFAULT_TEMPLATE_LANGUAGE, LANGUAGE_OPTIONS, TEMPLATE_LANGUAGES } from "./languages";

describe("template languages", () => {
  it("are the provider's codes, with a real default", () => {
    expect(TEMPLATE_LANGUAGES[DEFAULT_TEMPLATE_LANGUAGE]).toBe("English (US)");
    expect(LANGUAGE_OPTIONS.find((o) => o.value === "hi")?.label).toBe("Hindi · hi");
    expect(Object.keys(TEMPLATE_LANGUAGES)).toHaveLength(71);
  });
});

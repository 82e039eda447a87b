import { describe, expect, it } from "vitest";
import { providerNote } from "./providerTime";

describe("the provider's own time beside the shown one", () => {
  it("is shown when the provider's clock differs", () => {
    expect(providerNote("2026-01-01T10:00:05Z", "2026-01-01T10:00:00Z")).toMatch(/^provider: /);
  });
  it("is left out when both agree or the provider gave none", () => {
    expect(providerNote("2026-01-01T10:00:05Z", "2026-01-01T10:00:05.000Z")).toBeNull();
    expect(providerNote("2026-01-01T10:00:05Z", null)).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import { providerStep, readiness } from "./ReviewSteps";

describe("a template's two reviews", () => {
  it("is not ready when only the admin approved a WhatsApp template", () => {
    const t = { channel: "WHATSAPP", status: "APPROVED", providerStatus: null, usable: false };
    expect(providerStep(t)).toBe("PENDING");
    expect(readiness(t)).toBe("Waiting for Meta's approval");
  });
  it("is ready once both approved", () => {
    expect(readiness({ channel: "RCS", status: "APPROVED", providerStatus: "APPROVED", usable: true })).toBe("Ready to send");
  });
  it("has no provider step for SMS", () => {
    expect(providerStep({ channel: "SMS", status: "APPROVED", usable: true })).toBeNull();
  });
  it("waits for the admin first", () => {
    expect(readiness({ channel: "WHATSAPP", status: "PENDING", providerStatus: "APPROVED", usable: false })).toBe(
      "Waiting for the admin's review",
    );
  });
});

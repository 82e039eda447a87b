import { describe, expect, it } from "vitest";
import { ApiFailure, errorMessage, fieldErrors, parseErrorBody } from "./errors";

describe("API error formatting", () => {
  it("uses the API's own words", () => {
    const f = ApiFailure.from(401, { error: { code: "UNAUTHORIZED", message: "wrong username or password", field: null } });
    expect(errorMessage(f)).toBe("wrong username or password");
    expect(f.code).toBe("UNAUTHORIZED");
  });

  it("falls back to the status when the body is not the API's error shape", () => {
    expect(errorMessage(ApiFailure.from(502, "<html>bad gateway</html>"))).toBe("the server answered 502");
    expect(parseErrorBody({ detail: "x" })).toBeNull();
  });

  it("keys a field error to the form field it names", () => {
    const f = ApiFailure.from(400, { error: { code: "VALIDATION_ERROR", message: "dltTemplateId is required", field: "dltTemplateId" } });
    expect(fieldErrors(f, ["name", "dltTemplateId"])).toEqual({ dltTemplateId: "dltTemplateId is required" });
    const nested = ApiFailure.from(400, { error: { code: "VALIDATION_ERROR", message: "too long", field: "content.footer" } });
    expect(fieldErrors(nested, ["content.footer"])).toEqual({ "content.footer": "too long" });
    expect(fieldErrors(nested, ["name"])).toEqual({ _form: "too long" });
  });
});

import { describe, expect, it } from "vitest";
import { autoPick, editOf, invalidErrors, submitTemplate, templateBody, type FormErrors, type SubmitSteps, type Template, type TemplateIn } from "./templateForm";

const rejected = { id: 7, name: "promo", channel: "WHATSAPP", language: "hi", body: "old", category: "MARKETING" } as unknown as Template;

describe("templateBody", () => {
  it("builds the common fields with the form's own, language 'en' for a new template", () => {
    expect(templateBody("SMS", undefined, { name: "otp", body: "Your OTP is {#var#}", category: "Auth" }, { dltTemplateId: "1207", templateType: "TEXT" })).toEqual({
      name: "otp",
      channel: "SMS",
      language: "en",
      body: "Your OTP is {#var#}",
      category: "Auth",
      content: {},
      confirmHighRisk: false,
      dltTemplateId: "1207",
      templateType: "TEXT",
    });
  });
  it("keeps the edited template's language, sends no empty category, and lets the form override", () => {
    const body = templateBody("WHATSAPP", rejected, { name: "", body: "new", category: "" }, {});
    expect(body.language).toBe("hi");
    expect(body.category).toBeUndefined();
    const rcs = templateBody("RCS", undefined, { name: "card", body: "", category: "" }, { body: "Offer", templateType: "RICH_CARD" });
    expect(rcs.body).toBe("Offer");
    expect(templateBody("VOICE", undefined, { name: "v", body: "hello", category: "" }, { language: "hi" }).language).toBe("hi");
  });
});

describe("editOf", () => {
  it("re-submits every field but the name and channel", () => {
    const body: TemplateIn = {
      name: "promo",
      channel: "WHATSAPP",
      language: "en",
      body: "b",
      category: "UTILITY",
      templateType: "TEXT",
      dltTemplateId: null,
      content: { footer: "f" },
      wabaNumberId: 3,
      rcsBotId: null,
      confirmHighRisk: true,
    };
    const edit = editOf(body);
    expect(edit).toEqual({
      language: "en",
      body: "b",
      category: "UTILITY",
      templateType: "TEXT",
      dltTemplateId: null,
      content: { footer: "f" },
      wabaNumberId: 3,
      rcsBotId: null,
      confirmHighRisk: true,
    });
    expect("name" in edit || "channel" in edit).toBe(false);
  });
});

describe("invalidErrors and autoPick", () => {
  it("adds the form-level message only when a field is wrong", () => {
    expect(invalidErrors({})).toBeNull();
    expect(invalidErrors({}, "Check the fields marked in red.")).toBeNull();
    expect(invalidErrors({ body: "required" })).toEqual({ body: "required" });
    expect(invalidErrors({ body: "required" }, "Check")).toEqual({ _form: "Check", body: "required" });
  });
  it("picks the only active identity, never over a choice or among several", () => {
    expect(autoPick("", ["4"])).toBe("4");
    expect(autoPick("", ["4", "5"])).toBeNull();
    expect(autoPick("", [])).toBeNull();
    expect(autoPick("5", ["4"])).toBeNull();
  });
});

/** Runs a submit and records every state it goes through. */
async function run(steps: Partial<SubmitSteps>) {
  const trace: string[] = [];
  const saved: Template[] = [];
  const sent: TemplateIn[] = [];
  let errors: FormErrors = { name: "stale" };
  await submitTemplate({
    build: () => ({ name: "n", channel: "SMS", language: "en", body: "b", content: {}, confirmHighRisk: false }),
    save: async (b) => {
      sent.push(b);
      trace.push("save");
      return { id: 1, name: "n", status: "APPROVED" } as unknown as Template;
    },
    mapError: (err) => ({ _form: String((err as Error).message) }),
    onSaved: (t) => {
      saved.push(t);
      trace.push("saved");
    },
    setBusy: (b) => trace.push(b ? "busy" : "idle"),
    setErrors: (e) => {
      errors = e;
      trace.push(`errors:${Object.keys(e).join(",")}`);
    },
    ...steps,
  });
  return { trace, saved, sent, errors };
}

describe("submitTemplate: the states of a submit", () => {
  it("saves: busy, errors cleared, save, saved, idle", async () => {
    const r = await run({});
    expect(r.trace).toEqual(["busy", "errors:", "save", "saved", "idle"]);
    expect(r.saved).toHaveLength(1);
    expect(r.errors).toEqual({});
  });
  it("a failed local check shows its errors and sends nothing", async () => {
    const r = await run({ validate: () => ({ rcsBotId: "choose the RCS bot" }), invalidMessage: "Check the fields marked in red." });
    expect(r.trace).toEqual(["errors:_form,rcsBotId"]);
    expect(r.sent).toEqual([]);
    expect(r.errors).toEqual({ _form: "Check the fields marked in red.", rcsBotId: "choose the RCS bot" });
  });
  it("a refusal by the API becomes the form's errors and ends busy", async () => {
    const r = await run({
      save: async () => {
        throw new Error("the name is taken");
      },
    });
    expect(r.trace).toEqual(["busy", "errors:", "errors:_form", "idle"]);
    expect(r.errors).toEqual({ _form: "the name is taken" });
    expect(r.saved).toEqual([]);
  });
  it("a local check that passes goes on to save", async () => {
    const r = await run({ validate: () => ({}), invalidMessage: "Check" });
    expect(r.trace).toEqual(["busy", "errors:", "save", "saved", "idle"]);
  });
});

// The logic every template form shares, without React (useTemplateForm.ts holds the state): the
// request body, the edit body of a re-submit, local validation, the submit's state transitions and
// the identity (WABA number, RCS bot) picked when only one is active.
import type { Schemas } from "../../api/client";

export type Template = Schemas["TemplateOut"];
export type TemplateIn = Schemas["TemplateIn"];
export type TemplateEdit = Schemas["TemplateEdit"];
export type Channel = Template["channel"];
export type FormErrors = Record<string, string>;

/** What every form has: the name (new templates only), the body and the category ("" for none). */
export interface CommonFields {
  name: string;
  body: string;
  category: string;
}

/** The body of POST /api/templates: the common fields, the edited template's language (else "en"),
 * then the form's own fields, which may override any of them (RCS builds its body, Voice its language). */
export function templateBody(channel: Channel, editing: Template | undefined, common: CommonFields, own: Partial<TemplateIn>): TemplateIn {
  return {
    name: common.name,
    channel,
    language: editing?.language ?? "en",
    body: common.body,
    category: common.category || undefined,
    content: {},
    confirmHighRisk: false,
    ...own,
  };
}

/** A re-submit (PUT /api/templates/{id}) takes the same fields minus name and channel. */
export function editOf(body: TemplateIn): TemplateEdit {
  return {
    body: body.body,
    category: body.category,
    templateType: body.templateType,
    dltTemplateId: body.dltTemplateId,
    language: body.language,
    content: body.content,
    wabaNumberId: body.wabaNumberId,
    rcsBotId: body.rcsBotId,
    confirmHighRisk: body.confirmHighRisk,
  };
}

/** The errors a local check found, with the form-level `message` when one is given; null when none. */
export function invalidErrors(invalid: FormErrors, message?: string): FormErrors | null {
  if (Object.keys(invalid).length === 0) return null;
  return message ? { _form: message, ...invalid } : invalid;
}

/** The identity to choose by itself: the only active one, when none is chosen yet. */
export function autoPick(current: string, activeIds: readonly string[]): string | null {
  return !current && activeIds.length === 1 ? activeIds[0] : null;
}

export interface SubmitSteps {
  validate?: () => FormErrors;
  /** The form-level message shown with local field errors. */
  invalidMessage?: string;
  build: () => TemplateIn;
  save: (body: TemplateIn) => Promise<Template>;
  mapError: (error: unknown) => FormErrors;
  onSaved: (t: Template) => void;
  setBusy: (busy: boolean) => void;
  setErrors: (errors: FormErrors) => void;
}

/** Submit: a local check that fails shows its errors and sends nothing; else busy, errors cleared,
 * the save, then `onSaved` or the API's refusal as field errors; busy ends either way. */
/** The API's answer to a HIGH-risk template submitted without `confirmHighRisk` (the form asks, then re-sends). */
export const HIGH_RISK_CODE = "HIGH_RISK_CONFIRMATION_REQUIRED";

export async function submitTemplate(steps: SubmitSteps): Promise<void> {
  const invalid = invalidErrors(steps.validate?.() ?? {}, steps.invalidMessage);
  if (invalid) {
    steps.setErrors(invalid);
    return;
  }
  steps.setBusy(true);
  steps.setErrors({});
  try {
    steps.onSaved(await steps.save(steps.build()));
  } catch (err) {
    steps.setErrors(steps.mapError(err));
  } finally {
    steps.setBusy(false);
  }
}

// The state every template form shares: name, body, category, errors, busy and the submit that
// creates the template or re-submits the edited one; the identity (WABA number, RCS bot) picker's
// state; and the release of local media previews. The logic is templateForm.ts.
import { useEffect, useRef, useState } from "react";
import { ApiFailure, fieldErrors } from "../../api/errors";
import type { MediaState } from "../../lib/rcs";
import { useLoad } from "../../lib/useLoad";
import { revokeAll, saveTemplate } from "./shared";
import type { CheckPart, Draft } from "./compliance";
import { autoPick, HIGH_RISK_CODE, submitTemplate, templateBody, type Channel, type FormErrors, type Template, type TemplateIn } from "./templateForm";

export interface TemplateFormOptions {
  channel: Channel;
  /** The REJECTED or FAILED template being edited and re-submitted; a new one when absent. */
  editing?: Template;
  onSaved: (t: Template) => void;
  /** The form's own fields of the request; they may override the common ones. */
  build: () => Partial<TemplateIn>;
  /** The API fields this form shows errors under (the others go to the form-level error). */
  fields?: readonly string[];
  /** Instead of `fields`: how an API refusal maps onto the form's errors. */
  mapError?: (error: unknown) => FormErrors;
  /** A local check before anything is sent: field errors, {} when fine. */
  validate?: () => FormErrors;
  invalidMessage?: string;
  /** The fields a recipient reads, for the compliance check (default: the body). */
  checkParts?: () => CheckPart[];
  /** Writes a field's text (a compliance suggestion applied); `key` is a CheckPart's (default: the body). */
  applyPart?: (key: string, value: string) => void;
  /** Fills the form from an AI Assist draft (default: the body). */
  applyDraft?: (draft: Draft) => void;
}

export function useTemplateForm(options: TemplateFormOptions) {
  const { editing } = options;
  const [name, setName] = useState("");
  const [body, setBody] = useState(editing?.body ?? "");
  const [category, setCategory] = useState(editing?.category ?? "");
  const [errors, setErrors] = useState<FormErrors>({});
  const [busy, setBusy] = useState(false);
  // the API's words when the compliance check rated the template HIGH risk: the form asks to confirm
  const [highRisk, setHighRisk] = useState<string | null>(null);

  async function send(confirmHighRisk: boolean) {
    const mapError = options.mapError ?? ((err) => fieldErrors(err, options.fields ?? []));
    await submitTemplate({
      validate: options.validate,
      invalidMessage: options.invalidMessage,
      build: () => ({ ...templateBody(options.channel, editing, { name, body, category }, options.build()), confirmHighRisk }),
      save: (b) => saveTemplate(editing, b),
      mapError: (err) => {
        if (err instanceof ApiFailure && err.code === HIGH_RISK_CODE) {
          setHighRisk(err.message);
          return {};
        }
        return mapError(err);
      },
      onSaved: options.onSaved,
      setBusy,
      setErrors,
    });
  }

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    await send(false);
  }

  /** The user confirmed a HIGH-risk template: submit it again, confirmed. */
  async function confirmHighRisk() {
    setHighRisk(null);
    await send(true);
  }

  const checkParts = options.checkParts ?? (() => [{ key: "body", label: "Body", text: body }]);
  const applyPart = options.applyPart ?? ((_key: string, value: string) => setBody(value));
  const applyDraft = options.applyDraft ?? ((draft: Draft) => setBody(draft.body));

  return {
    channel: options.channel,
    editing,
    name,
    setName,
    body,
    setBody,
    category,
    setCategory,
    errors,
    setErrors,
    busy,
    submit,
    highRisk,
    cancelHighRisk: () => setHighRisk(null),
    confirmHighRisk,
    checkParts,
    applyPart,
    applyDraft,
  };
}

export type TemplateFormState = ReturnType<typeof useTemplateForm>;

/** The account's WABA numbers or RCS bots, the active ones, and the chosen one's id (as a Select
 * value): the edited template's, else the only active one as soon as they are loaded. */
export function useIdentity<T extends { id: number; status: string }>(load: () => Promise<T[]>, initial: number | null | undefined) {
  const state = useLoad(load, []);
  const [value, setValue] = useState(initial ? String(initial) : "");
  const active = (state.data ?? []).filter((x) => x.status === "ACTIVE");
  const activeIds = active.map((x) => String(x.id)).join(",");
  useEffect(() => {
    const pick = autoPick(value, activeIds ? activeIds.split(",") : []);
    if (pick) setValue(pick);
  }, [activeIds, value]);
  return { state, active, value, setValue };
}

/** Frees the local preview URLs of the form's media when the form goes away. */
export function useMediaCleanup(media: () => MediaState[]) {
  const latest = useRef(media);
  latest.current = media;
  useEffect(() => () => revokeAll(latest.current()), []);
}

// The state every template form shares: name, body, category, errors, busy and the submit that
// creates the template or re-submits the edited one; the identity (WABA number, RCS bot) picker's
// state; and the release of local media previews. The logic is templateForm.ts.
import { useEffect, useRef, useState } from "react";
import { fieldErrors } from "../../api/errors";
import type { MediaState } from "../../lib/rcs";
import { useLoad } from "../../lib/useLoad";
import { revokeAll, saveTemplate } from "./shared";
import { autoPick, submitTemplate, templateBody, type Channel, type FormErrors, type Template, type TemplateIn } from "./templateForm";

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
}

export function useTemplateForm(options: TemplateFormOptions) {
  const { editing } = options;
  const [name, setName] = useState("");
  const [body, setBody] = useState(editing?.body ?? "");
  const [category, setCategory] = useState(editing?.category ?? "");
  const [errors, setErrors] = useState<FormErrors>({});
  const [busy, setBusy] = useState(false);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    await submitTemplate({
      validate: options.validate,
      invalidMessage: options.invalidMessage,
      build: () => templateBody(options.channel, editing, { name, body, category }, options.build()),
      save: (b) => saveTemplate(editing, b),
      mapError: options.mapError ?? ((err) => fieldErrors(err, options.fields ?? [])),
      onSaved: options.onSaved,
      setBusy,
      setErrors,
    });
  }

  return { editing, name, setName, body, setBody, category, setCategory, errors, setErrors, busy, submit };
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

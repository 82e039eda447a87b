// What every template form shares on screen: saving (create, or edit and re-submit), the form's frame
// (the status reason of an edited template, the form-level error, the name field, the submit button,
// the preview column) and the media upload control. Its state is useTemplateForm.ts.
import { Alert, Box, Button, Grid, Group, Input, Modal, Select, Stack, Text, TextInput, type SelectProps } from "@mantine/core";
import { useEffect, useRef } from "react";
import { api, unwrap, type Schemas } from "../../api/client";
import { errorMessage } from "../../api/errors";
import { describeStatusReason } from "../../lib/errors";
import { uploadMedia } from "../../api/upload";
import { AssistPanel } from "./AssistPanel";
import { ComplianceCheck } from "./CompliancePanel";
import { editOf } from "./templateForm";
import type { TemplateFormState } from "./useTemplateForm";
import { acceptFor, checkMediaFile, MAX_MEDIA_MB, mediaContentType, mediaKind, type MediaKind, type MediaState } from "../../lib/rcs";

export type Template = Schemas["TemplateOut"];

export interface FormProps {
  /** The REJECTED or FAILED template being edited and re-submitted; creates a new one when absent. */
  editing?: Template;
  onSaved: (t: Template) => void;
}

/** Creates the template, or re-submits the edited one (PUT takes the same fields minus name and channel). */
export async function saveTemplate(editing: Template | undefined, body: Schemas["TemplateIn"]): Promise<Template> {
  if (!editing) return unwrap(await api.POST("/api/templates", { body }));
  return unwrap(await api.PUT("/api/templates/{template_id}", { params: { path: { template_id: editing.id } }, body: editOf(body) }));
}

/** Every template form's frame: the edited template's reason, the form-level error, the name, the
 * form's own fields, a hint, the submit button, and the live preview beside them. */
export function TemplateFormLayout({
  form,
  hint,
  submitLabel,
  preview,
  stickyPreview,
  children,
}: {
  form: TemplateFormState;
  hint: string;
  /** The create button's label ("Submit template" unless given); a re-submit says "Re-submit template". */
  submitLabel?: string;
  preview: React.ReactNode;
  /** Keep the preview in view while a long form scrolls. */
  stickyPreview?: boolean;
  children: React.ReactNode;
}) {
  return (
    <form onSubmit={form.submit}>
      <Grid>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack>
            <StatusReason template={form.editing} />
            <FormError error={form.errors._form} />
            <NameField editing={form.editing} value={form.name} onChange={form.setName} error={form.errors.name} />
            <AssistPanel form={form} />
            {children}
            <ComplianceCheck form={form} />
            <Text size="xs" c="dimmed">
              {hint}
            </Text>
            <SubmitButton editing={form.editing} busy={form.busy} createLabel={submitLabel} />
            <HighRiskConfirm form={form} />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Box style={stickyPreview ? { position: "sticky", top: 0 } : undefined}>
            <Text fw={600} mb="xs">
              Preview
            </Text>
            {preview}
          </Box>
        </Grid.Col>
      </Grid>
    </form>
  );
}

/** The compliance check rated the template HIGH risk (the operator asks for a confirmation): submit anyway? */
export function HighRiskConfirm({ form }: { form: TemplateFormState }) {
  return (
    <Modal opened={form.highRisk !== null} onClose={form.cancelHighRisk} title="Submit a HIGH-risk template?" zIndex={400}>
      <Text size="sm" data-testid="high-risk-message">
        {form.highRisk}
      </Text>
      <Text size="xs" c="dimmed" mt="xs">
        Check compliance shows each warning with a suggested rewrite.
      </Text>
      <Group justify="flex-end" mt="md">
        <Button variant="default" onClick={form.cancelHighRisk}>
          Review the warnings
        </Button>
        <Button color="red" loading={form.busy} onClick={() => void form.confirmHighRisk()}>
          Submit anyway
        </Button>
      </Group>
    </Modal>
  );
}

/** Why the edited template was rejected or failed, as the list shows it. */
export function StatusReason({ template }: { template?: Template }) {
  if (!template) return null;
  const title = template.status === "FAILED" ? "Submission failed" : template.status === "REJECTED" ? "Rejected by admin" : template.status;
  return (
    <Alert color="red" title={title} data-testid="status-reason">
      <Text size="sm">{describeStatusReason(template.statusReason) || "No reason was given."}</Text>
      <Text size="xs" c="dimmed" mt={4}>
        Edit the template and re-submit it for approval.
      </Text>
    </Alert>
  );
}

/** The form-level error (one naming no field of the form), scrolled into view when it appears. */
export function FormError({ error }: { error?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (error) ref.current?.scrollIntoView?.({ block: "nearest", behavior: "smooth" });
  }, [error]);
  if (!error) return null;
  return (
    <Alert ref={ref} color="red" role="alert">
      {error}
    </Alert>
  );
}

export function NameField({ editing, value, onChange, error }: { editing?: Template; value: string; onChange: (v: string) => void; error?: string }) {
  return (
    <TextInput
      label="Template name"
      description={editing ? "The name cannot be changed" : "Letters, digits, _ and -"}
      value={editing ? editing.name : value}
      onChange={(e) => onChange(e.currentTarget.value)}
      error={error}
      disabled={!!editing}
      required
    />
  );
}

export function SubmitButton({ editing, busy, createLabel = "Submit template" }: { editing?: Template; busy: boolean; createLabel?: string }) {
  return (
    <Button type="submit" loading={busy}>
      {editing ? "Re-submit template" : createLabel}
    </Button>
  );
}

/** A Mantine Select (what the browser tests' `choose` helper drives) over a fixed set of values. */
export function Choice<T extends string>({
  value,
  onChange,
  ...props
}: Omit<SelectProps, "value" | "onChange"> & { value: T | ""; onChange: (value: T) => void }) {
  return <Select allowDeselect={false} value={value || null} onChange={(v) => v !== null && onChange(v as T)} {...props} />;
}

export function kb(bytes: number | undefined): string {
  if (bytes === undefined) return "";
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

const KIND_TEXT: Record<MediaKind, string> = { image: "JPG or PNG image", video: "MP4 video", document: "PDF document" };

function revoke(url: string | undefined) {
  if (url) URL.revokeObjectURL(url);
}

/** Frees the local preview URLs of media states (when the form goes away). */
export function revokeAll(media: MediaState[]) {
  media.forEach((m) => revoke(m.localUrl));
}

/**
 * A file input that uploads at once (POST /api/media) and keeps its state in the form: the server's
 * `mediaUrl` once uploaded, a local object URL for the preview straight away, and the refusal in the API's
 * words under the control. `onChange` takes an updater so that the form applies it to the current state.
 */
export function MediaUpload({
  id,
  label,
  kinds,
  value,
  onChange,
  removeLabel,
  error,
  required,
}: {
  id: string;
  label: string;
  /** The remove button's accessible name; it must not contain `label` (getByLabel matches substrings). */
  removeLabel: string;
  kinds: readonly MediaKind[];
  value: MediaState;
  onChange: (update: (m: MediaState) => MediaState) => void;
  error?: string;
  required?: boolean;
}) {
  const seq = useRef(0);
  const shown = value.error ?? error;
  const accepted = kinds.map((k) => `${KIND_TEXT[k]} up to ${MAX_MEDIA_MB[k]} MB`).join(", or ");

  async function choose(file: File | undefined) {
    if (!file) return;
    const mine = ++seq.current;
    const problem = checkMediaFile(file, kinds);
    if (problem) {
      onChange((m) => ({ ...m, error: problem }));
      return;
    }
    const localUrl = URL.createObjectURL(file);
    const kind = mediaKind(mediaContentType(file)) ?? undefined;
    onChange((m) => {
      if (m.localUrl !== localUrl) revoke(m.localUrl);
      return { localUrl, kind, fileName: file.name, sizeBytes: file.size, uploading: true };
    });
    try {
      const media = await uploadMedia(file);
      if (mine !== seq.current) return;
      onChange((m) => ({ ...m, mediaUrl: media.url, kind: (media.kind as MediaKind) ?? kind, sizeBytes: media.sizeBytes, uploading: false, error: undefined }));
    } catch (err) {
      if (mine !== seq.current) return;
      onChange((m) => {
        revoke(m.localUrl);
        return { error: errorMessage(err) };
      });
    }
  }

  function clear() {
    seq.current += 1;
    onChange((m) => {
      revoke(m.localUrl);
      return {};
    });
  }

  return (
    <Input.Wrapper
      id={id}
      label={label}
      description={accepted}
      error={shown}
      required={required}
    >
      <Box mt={4}>
        <input
          id={id}
          type="file"
          accept={acceptFor(kinds)}
          aria-describedby={`${id}-description${shown ? ` ${id}-error` : ""}`}
          aria-invalid={!!shown}
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            e.currentTarget.value = "";
            void choose(file);
          }}
        />
        {(value.fileName || value.uploading) && (
          <Group gap="xs" mt={4}>
            <Text size="xs" c="dimmed" data-testid={`${id}-status`}>
              {value.uploading ? `Uploading ${value.fileName ?? ""}…` : `Uploaded: ${value.fileName ?? "file"}${value.sizeBytes ? ` (${kb(value.sizeBytes)})` : ""}`}
            </Text>
            {!value.uploading && value.mediaUrl && (
              <Button size="compact-xs" variant="subtle" color="red" onClick={clear} aria-label={removeLabel}>
                Remove
              </Button>
            )}
          </Group>
        )}
      </Box>
    </Input.Wrapper>
  );
}

import { Box, Button, Group, Paper, Text, TextInput, Textarea } from "@mantine/core";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { errorMessage } from "../../api/errors";
import {
  buildWhatsAppContent,
  emptyWaForm,
  previewUrl,
  validateWhatsApp,
  waFormFromTemplate,
  WA_HEADER_KINDS,
  type MediaState,
  type WaButton,
  type WaForm,
  type WaHeaderType,
} from "../../lib/rcs";
import { DEFAULT_TEMPLATE_LANGUAGE, LANGUAGE_OPTIONS } from "../../lib/languages";
import { Choice, MediaUpload, revokeAll, TemplateFormLayout, type FormProps } from "./shared";
import { useIdentity, useMediaCleanup, useTemplateForm } from "./useTemplateForm";

const WA_FIELDS = ["name", "wabaNumberId", "language", "category", "body", "templateType", "content.header", "content.footer", "content.buttons"] as const;
const HEADER_TYPES: { value: WaHeaderType; label: string }[] = [
  { value: "NONE", label: "None" },
  { value: "TEXT", label: "Text" },
  { value: "IMAGE", label: "Image" },
  { value: "VIDEO", label: "Video" },
  { value: "DOCUMENT", label: "Document" },
];
const BUTTON_TYPES = [
  { value: "QUICK_REPLY", label: "Quick reply" },
  { value: "URL", label: "Visit website (URL)" },
  { value: "PHONE_NUMBER", label: "Call phone number" },
];

export function WhatsAppForm({ editing, onSaved }: FormProps) {
  const waba = useIdentity(async () => unwrap(await api.GET("/api/channels/whatsapp")), editing?.wabaNumberId);
  const [form, setForm] = useState<WaForm>(() => (editing ? waFormFromTemplate(editing.content) : emptyWaForm()));
  const [language, setLanguage] = useState(editing?.language ?? DEFAULT_TEMPLATE_LANGUAGE);
  const template = useTemplateForm({
    channel: "WHATSAPP",
    editing,
    onSaved,
    fields: WA_FIELDS,
    validate: () => {
      const invalid = validateWhatsApp(form);
      if (!waba.value) invalid.wabaNumberId = "choose the WABA number";
      return invalid;
    },
    build: () => ({ ...buildWhatsAppContent(form), language, wabaNumberId: waba.value ? Number(waba.value) : undefined }),
    checkParts: () => [
      ...(form.headerType === "TEXT" ? [{ key: "header", label: "Header", text: form.headerText }] : []),
      { key: "body", label: "Body", text: template.body },
      { key: "footer", label: "Footer", text: form.footer },
      ...form.buttons.map((b, i) => ({ key: `button.${i}`, label: `Button ${i + 1}`, text: b.text })),
    ],
    applyPart: (key, value) => {
      if (key === "body") template.setBody(value);
      else if (key === "header") patch({ headerText: value });
      else if (key === "footer") patch({ footer: value });
      else if (key.startsWith("button.")) updateButton(Number(key.slice("button.".length)), { text: value });
    },
    applyDraft: (draft) => {
      const drafted = waFormFromTemplate(draft.content ?? {});
      setForm((f) => {
        revokeAll([f.headerMedia]);
        return drafted;
      });
      template.setBody(draft.body);
    },
  });
  const { body, errors } = template;
  useMediaCleanup(() => [form.headerMedia]);

  const patch = (p: Partial<WaForm>) => setForm((f) => ({ ...f, ...p }));
  const setMedia = (update: (m: MediaState) => MediaState) => setForm((f) => ({ ...f, headerMedia: update(f.headerMedia) }));
  function updateButton(i: number, p: Partial<WaButton>) {
    setForm((f) => ({ ...f, buttons: f.buttons.map((b, j) => (j === i ? { ...b, ...p } : b)) }));
  }
  function changeHeaderType(type: WaHeaderType) {
    setForm((f) => {
      if (type === f.headerType) return f;
      revokeAll([f.headerMedia]);
      return { ...f, headerType: type, headerMedia: {} };
    });
  }

  const mediaHeader = form.headerType === "IMAGE" || form.headerType === "VIDEO" || form.headerType === "DOCUMENT" ? form.headerType : null;
  const headerLabel = mediaHeader ? `Header ${mediaHeader.toLowerCase()}` : "";

  return (
    <TemplateFormLayout
      form={template}
      hint="WhatsApp templates can be sent once an admin and then Meta approve them."
      preview={
        <PhoneBubble
          header={form.headerType === "TEXT" ? form.headerText : undefined}
          media={mediaHeader ? { type: mediaHeader, ...form.headerMedia } : undefined}
          body={body}
          footer={form.footer}
          buttons={form.buttons.map((b) => b.text || "Button")}
        />
      }
    >
      <Choice
        label="WABA number"
        placeholder={waba.state.loading && !waba.state.data ? "Loading…" : waba.active.length ? "Choose a WABA number" : "No active WABA number"}
        data={waba.active.map((w) => ({ value: String(w.id), label: `${w.phoneNumber} (${w.displayName})` }))}
        value={waba.value}
        onChange={(v) => waba.setValue(v)}
        error={errors.wabaNumberId ?? (waba.state.error ? errorMessage(waba.state.error) : undefined)}
        required
      />
      <Choice
        label="Language"
        description="The language Meta registers the template in (a send names it)"
        data={LANGUAGE_OPTIONS}
        value={language}
        onChange={(v) => setLanguage(v)}
        error={errors.language}
        searchable
        required
      />
      <Choice
        label="Category"
        description="Affects the per-message price: MIC (marketing), UIC (utility), SIC (service), Auth / Auth INT"
        placeholder="Choose a category"
        data={["MARKETING", "UTILITY", "SERVICE", "AUTHENTICATION"]}
        value={template.category}
        onChange={(v) => template.setCategory(v)}
        error={errors.category}
        required
      />
      <Choice
        label="Header type"
        data={HEADER_TYPES}
        value={form.headerType}
        onChange={(v) => changeHeaderType(v as WaHeaderType)}
        error={form.headerType === "NONE" ? errors["content.header"] : undefined}
      />
      {form.headerType === "TEXT" && (
        <TextInput
          label="Header text"
          maxLength={60}
          value={form.headerText}
          onChange={(e) => patch({ headerText: e.currentTarget.value })}
          error={errors["content.header"]}
        />
      )}
      {mediaHeader && (
        <MediaUpload
          key={mediaHeader}
          id="wa-header-media"
          label={headerLabel}
          removeLabel="Remove the header upload"
          kinds={[WA_HEADER_KINDS[mediaHeader]]}
          value={form.headerMedia}
          onChange={setMedia}
          error={errors["content.header"]}
          required
        />
      )}
      <Textarea label="Body" description="Use {{1}}, {{2}}… for variables" autosize minRows={4} value={body} onChange={(e) => template.setBody(e.currentTarget.value)} error={errors.body} required />
      <TextInput label="Footer (optional)" maxLength={60} value={form.footer} onChange={(e) => patch({ footer: e.currentTarget.value })} error={errors["content.footer"]} />
      <Box>
        <Group justify="space-between">
          <Text size="sm" fw={500}>
            Buttons
          </Text>
          <Button
            size="xs"
            variant="light"
            disabled={form.buttons.length >= 10}
            onClick={() => setForm((f) => ({ ...f, buttons: [...f.buttons, { type: "QUICK_REPLY", text: "" }] }))}
          >
            Add button
          </Button>
        </Group>
        {form.buttons.map((b, i) => (
          <Group key={i} mt="xs" align="flex-end" wrap="nowrap">
            <Choice
              w={170}
              label={`Button ${i + 1} type`}
              data={BUTTON_TYPES}
              value={b.type}
              onChange={(v) => updateButton(i, { type: v as WaButton["type"] })}
            />
            <TextInput label={`Button ${i + 1} text`} maxLength={25} value={b.text} onChange={(e) => updateButton(i, { text: e.currentTarget.value })} required />
            {b.type === "URL" && (
              <TextInput label={`Button ${i + 1} URL`} placeholder="https://…" value={b.url ?? ""} onChange={(e) => updateButton(i, { url: e.currentTarget.value })} required />
            )}
            {b.type === "PHONE_NUMBER" && (
              <TextInput
                label={`Button ${i + 1} phone number`}
                placeholder="+91…"
                value={b.phoneNumber ?? ""}
                onChange={(e) => updateButton(i, { phoneNumber: e.currentTarget.value })}
                required
              />
            )}
            <Button
              variant="subtle"
              color="red"
              onClick={() => setForm((f) => ({ ...f, buttons: f.buttons.filter((_, j) => j !== i) }))}
              aria-label={`Remove button ${i + 1}`}
            >
              Remove
            </Button>
          </Group>
        ))}
        {errors["content.buttons"] && (
          <Text size="xs" c="red" mt={4}>
            {errors["content.buttons"]}
          </Text>
        )}
      </Box>
    </TemplateFormLayout>
  );
}

type HeaderMedia = MediaState & { type: "IMAGE" | "VIDEO" | "DOCUMENT" };

function BubbleMedia({ media }: { media: HeaderMedia }) {
  const url = previewUrl(media);
  const box = { borderRadius: 6, overflow: "hidden", marginBottom: 6, background: "#d9d9d9" } as const;
  if (!url)
    return (
      <Box style={{ ...box, height: 120, display: "flex", alignItems: "center", justifyContent: "center" }}>
        <Text size="xs" c="dimmed">
          {media.uploading ? "Uploading…" : `${media.type.toLowerCase()} header`}
        </Text>
      </Box>
    );
  if (media.type === "IMAGE")
    return (
      <Box style={box}>
        <img src={url} alt="Header image" style={{ display: "block", width: "100%", maxHeight: 200, objectFit: "cover" }} />
      </Box>
    );
  if (media.type === "VIDEO")
    return (
      <Box style={box}>
        <video src={url} aria-label="Video in the header (preview)" muted controls style={{ display: "block", width: "100%", maxHeight: 200 }} />
      </Box>
    );
  return (
    <Paper withBorder p={6} mb={6} bg="gray.0">
      <Text size="sm" data-testid="header-document">
        Document: {media.fileName ?? "PDF"}
      </Text>
    </Paper>
  );
}

export function PhoneBubble({
  header,
  media,
  body,
  footer,
  buttons,
}: {
  header?: string;
  media?: HeaderMedia;
  body: string;
  footer?: string;
  buttons: string[];
}) {
  return (
    <Box aria-label="WhatsApp preview" role="region" style={{ background: "#e5ddd5", borderRadius: 24, padding: 16, border: "8px solid #222", minHeight: 360 }}>
      <Box style={{ background: "#fff", borderRadius: "0 8px 8px 8px", padding: 8, maxWidth: "90%", boxShadow: "0 1px 1px rgba(0,0,0,.15)" }}>
        {media && <BubbleMedia media={media} />}
        {header && (
          <Text fw={700} size="sm">
            {header}
          </Text>
        )}
        <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
          {body || "Message body"}
        </Text>
        {footer && (
          <Text size="xs" c="dimmed" mt={4}>
            {footer}
          </Text>
        )}
      </Box>
      {buttons.map((b, i) => (
        <Box key={i} mt={4} style={{ background: "#fff", borderRadius: 8, padding: 6, maxWidth: "90%", textAlign: "center", color: "#00a5f4" }}>
          <Text size="sm">{b}</Text>
        </Box>
      ))}
    </Box>
  );
}

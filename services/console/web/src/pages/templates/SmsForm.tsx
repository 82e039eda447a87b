import { Paper, Text, TextInput, Textarea } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { errorMessage } from "../../api/errors";
import { segmentSummary } from "../../lib/format";
import { useLoad } from "../../lib/useLoad";
import { Choice, TemplateFormLayout, type FormProps } from "./shared";
import { useTemplateForm } from "./useTemplateForm";

const SMS_FIELDS = ["name", "dltTemplateId", "category", "body"] as const;

export function SmsForm({ editing, onSaved }: FormProps) {
  const [dlt, setDlt] = useState(editing?.dltTemplateId ?? "");
  const form = useTemplateForm({
    channel: "SMS",
    editing,
    onSaved,
    fields: SMS_FIELDS,
    build: () => ({ dltTemplateId: dlt, templateType: "TEXT" }),
  });
  const { body, errors } = form;
  const [debouncedBody] = useDebouncedValue(body, 200);
  const preview = useLoad(
    async () => unwrap(await api.POST("/api/templates/preview", { body: { channel: "SMS", body: debouncedBody } })),
    [debouncedBody],
  );

  return (
    <TemplateFormLayout
      form={form}
      hint="SMS templates are approved at once and immediately usable."
      submitLabel="Create SMS template"
      preview={
        <>
          <Paper withBorder p="sm" bg="gray.0" mih={120} role="region" aria-label="SMS preview">
            <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
              {body || (
                <Text span c="dimmed">
                  Your message appears here
                </Text>
              )}
            </Text>
          </Paper>
          <Text size="xs" mt="xs" c={preview.error ? "red" : "dimmed"} data-testid="sms-segments">
            {preview.error ? errorMessage(preview.error) : preview.data ? segmentSummary(preview.data) : "…"}
          </Text>
        </>
      }
    >
      <TextInput label="DLT template ID" value={dlt} onChange={(e) => setDlt(e.currentTarget.value)} error={errors.dltTemplateId} required />
      <Choice
        label="Category"
        placeholder="Choose a category"
        data={["UIC", "MIC", "SIC", "Auth"]}
        value={form.category}
        onChange={(v) => form.setCategory(v)}
        error={errors.category}
        required
      />
      <Textarea
        label="Body"
        description="Use {#var#} for each variable"
        autosize
        minRows={4}
        value={body}
        onChange={(e) => form.setBody(e.currentTarget.value)}
        error={errors.body}
        required
      />
    </TemplateFormLayout>
  );
}

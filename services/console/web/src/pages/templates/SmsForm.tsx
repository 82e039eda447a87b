import { Grid, Paper, Stack, Text, TextInput, Textarea } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { errorMessage, fieldErrors } from "../../api/errors";
import { segmentSummary } from "../../lib/format";
import { useLoad } from "../../lib/useLoad";
import { Choice, FormError, NameField, saveTemplate, StatusReason, SubmitButton, type FormProps } from "./shared";

const SMS_FIELDS = ["name", "dltTemplateId", "category", "body"] as const;

export function SmsForm({ editing, onSaved }: FormProps) {
  const [name, setName] = useState("");
  const [dlt, setDlt] = useState(editing?.dltTemplateId ?? "");
  const [category, setCategory] = useState(editing?.category ?? "");
  const [body, setBody] = useState(editing?.body ?? "");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [debouncedBody] = useDebouncedValue(body, 200);
  const preview = useLoad(
    async () => unwrap(await api.POST("/api/templates/preview", { body: { channel: "SMS", body: debouncedBody } })),
    [debouncedBody],
  );

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      onSaved(
        await saveTemplate(editing, {
          name,
          channel: "SMS",
          language: editing?.language ?? "en",
          body,
          dltTemplateId: dlt,
          category: category || undefined,
          templateType: "TEXT",
          content: {},
        }),
      );
    } catch (err) {
      setErrors(fieldErrors(err, SMS_FIELDS));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit}>
      <Grid>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack>
            <StatusReason template={editing} />
            <FormError error={errors._form} />
            <NameField editing={editing} value={name} onChange={setName} error={errors.name} />
            <TextInput label="DLT template ID" value={dlt} onChange={(e) => setDlt(e.currentTarget.value)} error={errors.dltTemplateId} required />
            <Choice
              label="Category"
              placeholder="Choose a category"
              data={["UIC", "MIC", "SIC", "Auth"]}
              value={category}
              onChange={(v) => setCategory(v)}
              error={errors.category}
              required
            />
            <Textarea
              label="Body"
              description="Use {#var#} for each variable"
              autosize
              minRows={4}
              value={body}
              onChange={(e) => setBody(e.currentTarget.value)}
              error={errors.body}
              required
            />
            <Text size="xs" c="dimmed">
              SMS templates are approved at once and immediately usable.
            </Text>
            <SubmitButton editing={editing} busy={busy} createLabel="Create SMS template" />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Text fw={600} mb="xs">
            Preview
          </Text>
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
        </Grid.Col>
      </Grid>
    </form>
  );
}

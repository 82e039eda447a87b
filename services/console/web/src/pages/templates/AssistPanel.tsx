// AI Assist in every template form: drafts of the form's fields from the template's name (its topic),
// the instructions typed here ("formal tone", "include a discount offer", "in Hindi"), the form's
// channel and category. Each draft shows what it fills (header, body, footer, buttons or suggestions,
// an SMS body's segments) and "Use this draft" fills the form; the answer says which engine wrote it.
import { Alert, Badge, Box, Button, Collapse, Group, Paper, Stack, Text, TextInput } from "@mantine/core";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { errorMessage } from "../../api/errors";
import { draftSegments, ENGINE_LABELS, type AssistAnswer, type Draft } from "./compliance";
import type { TemplateFormState } from "./useTemplateForm";

function asList(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? (value.filter((v) => v && typeof v === "object") as Record<string, unknown>[]) : [];
}

function DraftCard({ draft, index, onUse }: { draft: Draft; index: number; onUse: () => void }) {
  const content = (draft.content ?? {}) as Record<string, unknown>;
  const header = (content.header as Record<string, unknown> | undefined)?.text;
  const footer = content.footer;
  const buttons = [...asList(content.buttons), ...asList(content.suggestions)].map((b) => String(b.text ?? ""));
  const segments = draftSegments(draft);
  return (
    <Paper withBorder p="xs" data-testid="assist-draft">
      <Stack gap={4}>
        <Text size="xs" c="dimmed">
          Draft {index + 1}
          {draft.language !== "en" ? ` · ${draft.language}` : ""}
        </Text>
        {typeof header === "string" && header && (
          <Text size="sm" fw={700}>
            {header}
          </Text>
        )}
        <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
          {draft.body}
        </Text>
        {typeof footer === "string" && footer && (
          <Text size="xs" c="dimmed">
            {footer}
          </Text>
        )}
        {buttons.length > 0 && (
          <Group gap={4}>
            {buttons.map((b, i) => (
              <Badge key={i} variant="outline" size="sm" tt="none">
                {b}
              </Badge>
            ))}
          </Group>
        )}
        {draft.variables.length > 0 && (
          <Text size="xs" c="dimmed">
            Variables: {draft.variables.map((v) => `${v.index} ${v.name} (e.g. ${v.example})`).join(", ")}
          </Text>
        )}
        {segments && (
          <Text size="xs" c="dimmed" data-testid="assist-draft-segments">
            {segments}
          </Text>
        )}
        {draft.notes.map((n, i) => (
          <Text key={i} size="xs" c="orange.8">
            {n}
          </Text>
        ))}
        <Group justify="flex-end">
          <Button size="compact-sm" onClick={onUse} aria-label={`Use draft ${index + 1}`}>
            Use this draft
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

export function AssistPanel({ form }: { form: TemplateFormState }) {
  const [open, setOpen] = useState(false);
  const [instructions, setInstructions] = useState("");
  const [answer, setAnswer] = useState<AssistAnswer | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [used, setUsed] = useState<number | null>(null);
  const name = (form.editing?.name ?? form.name).trim();

  async function generate() {
    if (!name) {
      setError("enter the template name first: AI Assist takes its topic from it (e.g. diwali_offer_2025)");
      return;
    }
    setBusy(true);
    setError(null);
    setUsed(null);
    try {
      setAnswer(
        unwrap(
          await api.POST("/api/templates/assist", {
            body: { channel: form.channel, name, category: form.category || null, instructions: instructions.trim() || null },
          }),
        ),
      );
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Paper withBorder p="sm" role="region" aria-label="AI Assist">
      <Group justify="space-between">
        <Text size="sm" fw={600}>
          AI Assist
        </Text>
        <Button size="xs" variant="subtle" onClick={() => setOpen((o) => !o)} aria-expanded={open}>
          {open ? "Hide AI Assist" : "AI Assist"}
        </Button>
      </Group>
      <Collapse in={open}>
        <Stack gap="xs" mt="xs">
          <Text size="xs" c="dimmed">
            Drafts for “{name || "the template name"}” ({form.channel}
            {form.category ? `, ${form.category}` : ""}); every draft passes the compliance check.
          </Text>
          <Group align="flex-end" wrap="nowrap">
            <TextInput
              style={{ flex: 1 }}
              label="Instructions"
              placeholder="formal tone, include a discount offer, in Hindi…"
              maxLength={500}
              value={instructions}
              onChange={(e) => setInstructions(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter") {
                  e.preventDefault(); // not the template form's submit
                  void generate();
                }
              }}
            />
            <Button loading={busy} onClick={generate}>
              Generate drafts
            </Button>
          </Group>
          {error && (
            <Alert color="orange" p="xs" data-testid="assist-error">
              {error}
            </Alert>
          )}
          {answer && (
            <>
              <Group gap="xs">
                <Text size="xs">Written by</Text>
                <Badge size="sm" variant="light" color={answer.engine === "llm" ? "violet" : "gray"} data-testid="assist-engine">
                  {ENGINE_LABELS[answer.engine]}
                </Badge>
                {answer.fallbackReason && (
                  <Text size="xs" c="dimmed">
                    (the model was not used: {answer.fallbackReason})
                  </Text>
                )}
              </Group>
              {answer.drafts.length === 0 && <Text size="sm">No draft passed the compliance check; try other instructions.</Text>}
              {answer.drafts.map((d, i) => (
                <DraftCard
                  key={i}
                  draft={d}
                  index={i}
                  onUse={() => {
                    form.applyDraft(d);
                    setUsed(i);
                  }}
                />
              ))}
              {used !== null && (
                <Box>
                  <Text size="xs" c="green.8" data-testid="assist-used">
                    Draft {used + 1} is in the form: review it, fill in your own values, then check compliance.
                  </Text>
                </Box>
              )}
            </>
          )}
        </Stack>
      </Collapse>
    </Paper>
  );
}

// The create form of the guide's Bulk Campaign: name, channel, an approved template of that channel,
// the sender ID (SMS), up to two fallback levels (Quick Message's level fields), a scheduled start in
// the account's time zone, and the CSV file with its size note.
import { Alert, Box, Button, Group, Input, Paper, SegmentedControl, Stack, Text, TextInput } from "@mantine/core";
import { useState } from "react";
import { type Schemas } from "../../api/client";
import { useAuth } from "../../auth";
import { fieldErrors } from "../../api/errors";
import { Loaded } from "../../components/States";
import { CHANNELS, LevelFields, MAX_FALLBACKS, useAccountChannels, type Channel, type Level } from "../QuickMessage";
import { placeholderCount } from "../../lib/variables";
import { campaignFields, columnsHint, DEFAULT_TIME_ZONE, fileNote, FORM_FIELDS } from "./campaigns";
import { createCampaign, type Campaign } from "./upload";

export function CampaignForm({ onCreated }: { onCreated: (campaign: Campaign) => void }) {
  const state = useAccountChannels();
  return <Loaded state={state}>{(data) => <Form {...data} onCreated={onCreated} />}</Loaded>;
}

function Form({
  templates,
  senders,
  waba,
  bots,
  onCreated,
}: {
  templates: Schemas["TemplateOut"][];
  senders: string[];
  waba: Schemas["WabaNumberOut"][];
  bots: Schemas["RcsBotOut"][];
  onCreated: (campaign: Campaign) => void;
}) {
  const [name, setName] = useState("");
  const [primary, setPrimary] = useState<Level>({ channel: "SMS", templateId: null, senderId: senders[0] ?? null });
  const [fallbacks, setFallbacks] = useState<Level[]>([]);
  const [scheduledAt, setScheduledAt] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);
  const note = fileNote(file);
  const timeZone = useAuth().user?.timeZone || DEFAULT_TIME_ZONE; // the account's
  const byId = new Map(templates.map((t) => [String(t.id), t]));
  const counts = [primary, ...fallbacks].map((l) => {
    const t = l.templateId ? byId.get(l.templateId) : undefined;
    return t ? placeholderCount(t.body) : 0;
  });

  function setLevel(index: number, patch: Partial<Level>) {
    const apply = (l: Level): Level => {
      const next = { ...l, ...patch };
      if (patch.channel && patch.channel !== l.channel) {
        next.templateId = null;
        next.senderId = patch.channel === "SMS" ? (senders[0] ?? null) : null;
      }
      return next;
    };
    if (index === 0) setPrimary(apply(primary));
    else setFallbacks(fallbacks.map((l, i) => (i === index - 1 ? apply(l) : l)));
  }

  const levelError = (index: number, field: string) =>
    index === 0 ? errors[field] : errors[`fallback[${index - 1}].${field}`] ?? errors.fallback;

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setErrors({});
    if (!file) return setErrors({ file: "choose the CSV file of recipients" });
    if (note.tooLarge) return setErrors({ file: note.text });
    setSaving(true);
    try {
      onCreated(await createCampaign(campaignFields({ name, primary, fallbacks, scheduledAt, timeZone }), file));
    } catch (err) {
      setErrors(fieldErrors(err, FORM_FIELDS));
    } finally {
      setSaving(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <TextInput
          label="Campaign name"
          description="Unique in your account, e.g. diwali_promo_2025"
          placeholder="diwali_promo_2025"
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={errors.name}
          maxLength={100}
          required
        />
        <div>
          <Text size="sm" fw={500} mb={4} id="campaign-channel-label">
            Channel
          </Text>
          <SegmentedControl
            aria-labelledby="campaign-channel-label"
            data={CHANNELS}
            value={primary.channel}
            onChange={(v) => setLevel(0, { channel: v as Channel })}
          />
          {errors.channel && (
            <Text c="red" size="sm">
              {errors.channel}
            </Text>
          )}
        </div>
        <LevelFields
          index={0}
          level={primary}
          templates={templates}
          senders={senders}
          waba={waba}
          bots={bots}
          onChange={(patch) => setLevel(0, patch)}
          error={(f) => levelError(0, f)}
        />
        {fallbacks.map((level, i) => (
          <Paper key={i} withBorder p="sm" bg="gray.0">
            <Group justify="space-between" mb="xs">
              <Text fw={600}>Fallback {i + 1}</Text>
              <Button size="xs" variant="subtle" color="red" onClick={() => setFallbacks(fallbacks.filter((_, j) => j !== i))}>
                Remove fallback {i + 1}
              </Button>
            </Group>
            <LevelFields
              index={i + 1}
              level={level}
              templates={templates}
              senders={senders}
              waba={waba}
              bots={bots}
              onChange={(patch) => setLevel(i + 1, patch)}
              error={(f) => levelError(i + 1, f)}
            />
          </Paper>
        ))}
        <Group>
          <Button
            variant="default"
            disabled={fallbacks.length >= MAX_FALLBACKS}
            onClick={() => setFallbacks([...fallbacks, { channel: "SMS", templateId: null, senderId: senders[0] ?? null }])}
          >
            Add fallback
          </Button>
          <Text size="xs" c="dimmed">
            Up to {MAX_FALLBACKS} fallback levels for rows whose message is not delivered; each takes its own variable
            columns after the levels before it.
          </Text>
        </Group>
        <TextInput
          label="Scheduled start"
          description={`Optional; in your account's time zone (${timeZone}). Empty: starts as soon as the file is checked.`}
          type="datetime-local"
          value={scheduledAt}
          onChange={(e) => setScheduledAt(e.currentTarget.value)}
          error={errors.scheduledAt}
        />
        <Input.Wrapper
          id="campaign-file"
          label="CSV file"
          description={`Phone numbers in international format (+919876543210) in the first column; a header row is detected. ${note.text}.`}
          error={errors.file}
          required
        >
          <Box mt={4}>
            <input
              id="campaign-file"
              type="file"
              accept=".csv,.txt,text/csv,text/plain"
              aria-describedby="campaign-file-description"
              aria-invalid={!!errors.file}
              onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
            />
          </Box>
          <Text size="xs" c="dimmed" mt={4} data-testid="campaign-columns">
            {columnsHint(counts)}
          </Text>
        </Input.Wrapper>
        {errors._form && (
          <Alert color="red" title="Not created">
            {errors._form}
          </Alert>
        )}
        <Group>
          <Button type="submit" loading={saving}>
            Create campaign
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

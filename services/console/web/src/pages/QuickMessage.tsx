import {
  Alert,
  Anchor,
  Badge,
  Button,
  Grid,
  Group,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMemo, useState } from "react";
import { Link } from "react-router-dom";
import { api, unwrap, type Schemas } from "../api/client";
import { fieldErrors } from "../api/errors";
import { ErrorState, Loading } from "../components/States";
import { fillVariables, placeholderCount } from "../lib/variables";
import { useLoad } from "../lib/useLoad";

// The channel choice, the level fields (sender ID, WABA number, bot, template) and the account's channels
// are exported for the Bulk Campaign form, which sets its levels the same way.
export type Channel = "SMS" | "WHATSAPP" | "RCS" | "VOICE";
type Template = Schemas["TemplateOut"];
export const CHANNELS: { value: Channel; label: string }[] = [
  { value: "SMS", label: "SMS" },
  { value: "WHATSAPP", label: "WhatsApp" },
  { value: "RCS", label: "RCS" },
  { value: "VOICE", label: "Voice" },
];
export const LABEL: Record<Channel, string> = { SMS: "SMS", WHATSAPP: "WhatsApp", RCS: "RCS", VOICE: "Voice" };
export const MAX_FALLBACKS = 2;

export interface Level {
  channel: Channel;
  templateId: string | null;
  senderId: string | null;
  /** This level's own template variables (position i+1 at i): a fallback never reuses the primary's. */
  values?: string[];
}

interface Sent {
  messageId: string;
  status: string;
  channel: string;
  recipient: string;
}

/** What the console knows of the account's channels: approved templates, sender IDs, WABA numbers, bots. */
export function useAccountChannels() {
  return useLoad(async () => {
    const [templates, senders, waba, bots] = await Promise.all([
      api.GET("/api/templates", { params: { query: { status: "APPROVED", pageSize: 100 } } }).then(unwrap),
      api.GET("/api/sender-ids", { params: { query: { status: "APPROVED", pageSize: 100 } } }).then(unwrap),
      api.GET("/api/channels/whatsapp").then(unwrap),
      api.GET("/api/channels/rcs").then(unwrap),
    ]);
    return {
      // only what can be sent: a WhatsApp or RCS template needs its provider's approval too
      templates: templates.items.filter((t) => (t as { usable?: boolean }).usable !== false),
      senders: senders.items.map((s) => s.senderId),
      waba: waba.filter((w) => w.status === "ACTIVE"),
      bots: bots.filter((b) => b.status === "ACTIVE"),
    };
  }, []);
}

export function QuickMessagePage() {
  const state = useAccountChannels();
  return (
    <>
      <Title order={2} mb="md">
        Quick Message
      </Title>
      {state.error ? (
        <ErrorState error={state.error} onRetry={state.reload} />
      ) : !state.data ? (
        <Loading />
      ) : (
        <Composer {...state.data} />
      )}
    </>
  );
}

function Composer({
  templates,
  senders,
  waba,
  bots,
}: {
  templates: Template[];
  senders: string[];
  waba: Schemas["WabaNumberOut"][];
  bots: Schemas["RcsBotOut"][];
}) {
  const [recipient, setRecipient] = useState("");
  const [primary, setPrimary] = useState<Level>({ channel: "SMS", templateId: null, senderId: senders[0] ?? null });
  const [fallbacks, setFallbacks] = useState<Level[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [sending, setSending] = useState(false);
  const [sent, setSent] = useState<Sent | null>(null);

  const byId = useMemo(() => new Map(templates.map((t) => [String(t.id), t])), [templates]);
  const levels = [primary, ...fallbacks];
  const chosen = levels.map((l) => (l.templateId ? byId.get(l.templateId) : undefined));
  // each level's own variables: as many as its template has placeholders
  const counts = chosen.map((t) => (t ? placeholderCount(t.body) : 0));
  // the values typed so far (a later one typed first leaves "" before it; untyped ones are missing)
  const variablesOf = (index: number) =>
    Array.from((levels[index].values ?? []).slice(0, counts[index]), (v) => v ?? "");

  function setLevel(index: number, patch: Partial<Level>) {
    const apply = (l: Level): Level => {
      const next = { ...l, ...patch };
      if (patch.channel && patch.channel !== l.channel) {
        next.templateId = null;
        next.senderId = patch.channel === "SMS" ? (senders[0] ?? null) : null;
        next.values = [];
      }
      return next;
    };
    if (index === 0) setPrimary(apply(primary));
    else setFallbacks(fallbacks.map((l, i) => (i === index - 1 ? apply(l) : l)));
    setSent(null);
  }

  function setValue(index: number, position: number, value: string) {
    const next = [...(levels[index].values ?? [])];
    next[position] = value;
    setLevel(index, { values: next });
  }

  async function send(e: React.FormEvent) {
    e.preventDefault();
    setErrors({});
    setSent(null);
    setSending(true);
    const key = crypto.randomUUID();
    const body: Schemas["SubmitRequest"] = {
      recipient: recipient.trim(),
      channel: primary.channel,
      templateId: Number(primary.templateId ?? 0),
      senderId: primary.channel === "SMS" ? primary.senderId : null,
      variables: variablesOf(0),
      fallback: fallbacks.map((l, i) => ({
        channel: l.channel,
        templateId: Number(l.templateId ?? 0),
        senderId: l.channel === "SMS" ? l.senderId : null,
        variables: variablesOf(i + 1),
      })),
    };
    try {
      const result = unwrap(await api.POST("/api/messages", { body, params: { header: { "idempotency-key": key } } }));
      setSent(result as Sent);
    } catch (err) {
      setErrors(
        fieldErrors(err, [
          "recipient",
          "templateId",
          "senderId",
          "variables",
          "fallback.0.templateId",
          "fallback.0.senderId",
          "fallback.0.variables",
          "fallback.1.templateId",
          "fallback.1.senderId",
          "fallback.1.variables",
          "fallback[0].templateId",
          "fallback[0].senderId",
          "fallback[0].variables",
          "fallback[1].templateId",
          "fallback[1].senderId",
          "fallback[1].variables",
        ]),
      );
    } finally {
      setSending(false);
    }
  }

  const levelError = (index: number, field: string) =>
    index === 0 ? errors[field] : (errors[`fallback.${index - 1}.${field}`] ?? errors[`fallback[${index - 1}].${field}`]);

  return (
    <Grid>
      <Grid.Col span={{ base: 12, md: 7 }}>
        <Paper withBorder p="md">
          <form onSubmit={send} noValidate>
            <Stack>
              <div>
                <Text size="sm" fw={500} mb={4} id="channel-label">
                  Channel
                </Text>
                <SegmentedControl
                  aria-labelledby="channel-label"
                  data={CHANNELS}
                  value={primary.channel}
                  onChange={(v) => setLevel(0, { channel: v as Channel })}
                />
              </div>
              <TextInput
                label="Recipient"
                description="International format, e.g. +919876543210"
                placeholder="+919876543210"
                value={recipient}
                onChange={(e) => {
                  setRecipient(e.currentTarget.value);
                  setSent(null);
                }}
                error={errors.recipient}
                required
              />
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
              <VariableFields
                index={0}
                count={counts[0]}
                values={primary.values ?? []}
                onChange={(position, value) => setValue(0, position, value)}
                error={levelError(0, "variables")}
              />
              {fallbacks.map((level, i) => (
                <Paper key={i} withBorder p="sm" bg="gray.0">
                  <Group justify="space-between" mb="xs">
                    <Text fw={600}>Fallback {i + 1}</Text>
                    <Button
                      size="xs"
                      variant="subtle"
                      color="red"
                      onClick={() => setFallbacks(fallbacks.filter((_, j) => j !== i))}
                    >
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
                  <VariableFields
                    index={i + 1}
                    count={counts[i + 1]}
                    values={level.values ?? []}
                    onChange={(position, value) => setValue(i + 1, position, value)}
                    error={levelError(i + 1, "variables")}
                  />
                </Paper>
              ))}
              <Group>
                <Button
                  variant="default"
                  disabled={fallbacks.length >= MAX_FALLBACKS}
                  onClick={() =>
                    setFallbacks([...fallbacks, { channel: "SMS", templateId: null, senderId: senders[0] ?? null }])
                  }
                >
                  Add fallback
                </Button>
                <Text size="xs" c="dimmed">
                  Up to {MAX_FALLBACKS} fallback levels, tried in order if the previous one is not delivered.
                </Text>
              </Group>
              {errors._form && (
                <Alert color="red" title="Not sent">
                  {errors._form}
                </Alert>
              )}
              <Group>
                <Button type="submit" loading={sending}>
                  Send
                </Button>
              </Group>
              {sent && (
                <Alert color="green" title="Message accepted">
                  <Stack gap={4}>
                    <Text size="sm">
                      {sent.messageId} to {sent.recipient} by {LABEL[sent.channel as Channel] ?? sent.channel}:{" "}
                      <Badge>{sent.status}</Badge>
                    </Text>
                    <Anchor component={Link} to={`/reports?message=${encodeURIComponent(sent.messageId)}`}>
                      View in Reports
                    </Anchor>
                  </Stack>
                </Alert>
              )}
            </Stack>
          </form>
        </Paper>
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 5 }}>
        <Paper withBorder p="md">
          <Title order={5} mb="sm">
            Message content
          </Title>
          <Stack>
            {levels.map((level, i) => {
              const template = chosen[i];
              return (
                <div key={i}>
                  <Text size="xs" c="dimmed">
                    {i === 0 ? "Primary" : `Fallback ${i}`} · {LABEL[level.channel]}
                  </Text>
                  {template ? (
                    <Paper p="sm" bg="gray.1" radius="md" data-testid={`content-${i}`}>
                      <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
                        {fillVariables(template.body, level.values ?? [])}
                      </Text>
                    </Paper>
                  ) : (
                    <Text size="sm" c="dimmed">
                      Choose a template.
                    </Text>
                  )}
                </div>
              );
            })}
          </Stack>
        </Paper>
      </Grid.Col>
    </Grid>
  );
}

/** One level's own variable inputs ("Variable 1", "Fallback 1 variable 1", ...), as many as its template has. */
function VariableFields({
  index,
  count,
  values,
  onChange,
  error,
}: {
  index: number;
  count: number;
  values: string[];
  onChange: (position: number, value: string) => void;
  error: string | undefined;
}) {
  const label = (i: number) => (index === 0 ? `Variable ${i + 1}` : `Fallback ${index} variable ${i + 1}`);
  return (
    <>
      {Array.from({ length: count }, (_, i) => (
        <TextInput
          key={i}
          label={label(i)}
          value={values[i] ?? ""}
          onChange={(e) => onChange(i, e.currentTarget.value)}
          error={i === 0 ? error : undefined}
        />
      ))}
      {count === 0 && error && (
        <Text c="red" size="sm">
          {error}
        </Text>
      )}
    </>
  );
}

export function LevelFields({
  index,
  level,
  templates,
  senders,
  waba,
  bots,
  onChange,
  error,
}: {
  index: number;
  level: Level;
  templates: Template[];
  senders: string[];
  waba: Schemas["WabaNumberOut"][];
  bots: Schemas["RcsBotOut"][];
  onChange: (patch: Partial<Level>) => void;
  error: (field: string) => string | undefined;
}) {
  const prefix = index === 0 ? "" : `Fallback ${index} `;
  const options = templates
    .filter((t) => t.channel === level.channel)
    .map((t) => ({ value: String(t.id), label: `${t.name} (${t.templateType})` }));
  return (
    <Stack gap="sm">
      {index > 0 && (
        <Select
          label={`${prefix}channel`}
          data={CHANNELS}
          value={level.channel}
          onChange={(v) => v && onChange({ channel: v as Channel })}
          allowDeselect={false}
        />
      )}
      {level.channel === "SMS" && (
        <Select
          label={`${prefix}sender ID`.replace(/^s/, "S")}
          placeholder={senders.length ? "Choose an approved sender ID" : "No approved sender ID"}
          data={senders}
          value={level.senderId}
          onChange={(v) => onChange({ senderId: v })}
          allowDeselect={false}
          error={error("senderId")}
        />
      )}
      {level.channel === "SMS" && senders.length === 0 && (
        <Text size="sm" c="orange">
          Request a sender ID under Sender IDs; SMS needs an approved one.
        </Text>
      )}
      {level.channel === "WHATSAPP" &&
        (waba.length ? (
          <Text size="sm">
            WABA number <b>{waba[0].phoneNumber}</b> is used automatically.
          </Text>
        ) : (
          <Text size="sm" c="orange">
            No active WABA number: WhatsApp is not available for this account.
          </Text>
        ))}
      {level.channel === "RCS" &&
        (bots.length ? (
          <Text size="sm">
            RCS bot <b>{bots[0].displayName}</b> sends this message.
          </Text>
        ) : (
          <Text size="sm" c="orange">
            Your RCS bot is not active. Contact your administrator if RCS is unavailable.
          </Text>
        ))}
      <Select
        label={`${prefix}template`.replace(/^t/, "T")}
        placeholder={options.length ? "Choose an approved template" : `No approved ${LABEL[level.channel]} template`}
        data={options}
        value={level.templateId}
        onChange={(v) => onChange({ templateId: v })}
        allowDeselect={false}
        searchable
        error={error("templateId")}
      />
    </Stack>
  );
}

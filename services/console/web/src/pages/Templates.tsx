import {
  ActionIcon,
  Alert,
  Badge,
  Box,
  Button,
  Drawer,
  Grid,
  Group,
  Pagination,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
  Title,
} from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { useEffect, useState } from "react";
import { api, unwrap, type Schemas } from "../api/client";
import { errorMessage, fieldErrors } from "../api/errors";
import { Empty, ErrorState, Loading } from "../components/States";
import { dateTime, segmentSummary, STATUS_COLORS } from "../lib/format";
import { useLoad } from "../lib/useLoad";

const PAGE_SIZE = 20;
type Channel = "SMS" | "WHATSAPP" | "RCS" | "VOICE";
type Status = "PENDING" | "APPROVED" | "REJECTED" | "FAILED";

export function TemplatesPage() {
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search, 300);
  const [channel, setChannel] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  useEffect(() => setPage(1), [debounced, channel, status]);

  const state = useLoad(
    async () =>
      unwrap(
        await api.GET("/api/templates", {
          params: {
            query: {
              search: debounced || undefined,
              channel: (channel as Channel) ?? undefined,
              status: (status as Status) ?? undefined,
              page,
              pageSize: PAGE_SIZE,
            },
          },
        }),
      ),
    [debounced, channel, status, page],
  );

  return (
    <>
      <Group justify="space-between" mb="md">
        <Title order={2}>Templates</Title>
        <Button onClick={() => setCreating(true)}>Create template</Button>
      </Group>
      <Group mb="sm">
        <TextInput placeholder="Search by name or content" value={search} onChange={(e) => setSearch(e.currentTarget.value)} w={280} />
        <Select placeholder="Channel" clearable data={["SMS", "WHATSAPP", "RCS", "VOICE"]} value={channel} onChange={setChannel} w={150} />
        <Select placeholder="Status" clearable data={["PENDING", "APPROVED", "REJECTED", "FAILED"]} value={status} onChange={setStatus} w={150} />
      </Group>
      {state.error ? (
        <ErrorState error={state.error} onRetry={state.reload} />
      ) : !state.data ? (
        <Loading />
      ) : state.data.items.length === 0 ? (
        <Empty>{debounced || channel || status ? "No template matches these filters." : "No templates yet: create one."}</Empty>
      ) : (
        <>
          <Table striped highlightOnHover style={{ opacity: state.loading ? 0.6 : 1 }}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Channel</Table.Th>
                <Table.Th>Content</Table.Th>
                <Table.Th>Identity</Table.Th>
                <Table.Th>Category</Table.Th>
                <Table.Th>Type</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Created</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {state.data.items.map((t) => (
                <Table.Tr key={t.id}>
                  <Table.Td>{t.name}</Table.Td>
                  <Table.Td>{t.channel}</Table.Td>
                  <Table.Td maw={320}>
                    <Text size="sm" lineClamp={2}>
                      {t.contentPreview}
                    </Text>
                  </Table.Td>
                  <Table.Td>{t.identity ?? "—"}</Table.Td>
                  <Table.Td>{t.category ?? "—"}</Table.Td>
                  <Table.Td>{t.templateType}</Table.Td>
                  <Table.Td>
                    <Badge color={STATUS_COLORS[t.status]}>{t.status}</Badge>
                    {t.statusReason && (
                      <Text size="xs" c="red">
                        {t.statusReason}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{dateTime(t.createdAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Group justify="space-between" mt="sm">
            <Text size="sm" c="dimmed">
              {state.data.total} template(s)
            </Text>
            <Pagination total={Math.max(1, Math.ceil(state.data.total / PAGE_SIZE))} value={page} onChange={setPage} />
          </Group>
        </>
      )}
      <Drawer opened={creating} onClose={() => setCreating(false)} title="Create template" position="right" size="xl">
        {creating && (
          <CreateTemplate
            onCreated={(t) => {
              setCreating(false);
              notifications.show({ color: "green", message: `Template ${t.name} created: ${t.status}` });
              state.reload();
            }}
          />
        )}
      </Drawer>
    </>
  );
}

function CreateTemplate({ onCreated }: { onCreated: (t: Schemas["TemplateOut"]) => void }) {
  const [channel, setChannel] = useState<"SMS" | "WHATSAPP">("SMS");
  return (
    <Stack>
      <SegmentedControl
        value={channel}
        onChange={(v) => setChannel(v as "SMS" | "WHATSAPP")}
        data={[
          { value: "SMS", label: "SMS" },
          { value: "WHATSAPP", label: "WhatsApp" },
        ]}
      />
      {channel === "SMS" ? <SmsForm onCreated={onCreated} /> : <WhatsAppForm onCreated={onCreated} />}
    </Stack>
  );
}

async function createTemplate(body: Schemas["TemplateIn"]) {
  return unwrap(await api.POST("/api/templates", { body }));
}

const SMS_FIELDS = ["name", "dltTemplateId", "category", "body"] as const;

function SmsForm({ onCreated }: { onCreated: (t: Schemas["TemplateOut"]) => void }) {
  const [name, setName] = useState("");
  const [dlt, setDlt] = useState("");
  const [category, setCategory] = useState<string | null>(null);
  const [body, setBody] = useState("");
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
      onCreated(
        await createTemplate({ name, channel: "SMS", language: "en", body, dltTemplateId: dlt, category: category ?? undefined, content: {} }),
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
            <TextInput label="Template name" description="Letters, digits, _ and -" value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} required />
            <TextInput label="DLT template ID" value={dlt} onChange={(e) => setDlt(e.currentTarget.value)} error={errors.dltTemplateId} required />
            <Select label="Category" data={["UIC", "MIC", "SIC", "Auth"]} value={category} onChange={setCategory} error={errors.category} required />
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
            {errors._form && <Alert color="red">{errors._form}</Alert>}
            <Button type="submit" loading={busy}>
              Create SMS template
            </Button>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Text fw={600} mb="xs">
            Preview
          </Text>
          <Paper withBorder p="sm" bg="gray.0" mih={120}>
            <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
              {body || <Text span c="dimmed">Your message appears here</Text>}
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

type WaButton = { type: "QUICK_REPLY" | "URL" | "PHONE_NUMBER"; text: string; url?: string; phoneNumber?: string };
const WA_FIELDS = ["name", "wabaNumberId", "category", "body", "content.header", "content.footer", "content.buttons"] as const;

function WhatsAppForm({ onCreated }: { onCreated: (t: Schemas["TemplateOut"]) => void }) {
  const wabas = useLoad(async () => unwrap(await api.GET("/api/channels/whatsapp")), []);
  const [name, setName] = useState("");
  const [waba, setWaba] = useState<string | null>(null);
  const [category, setCategory] = useState<string | null>(null);
  const [header, setHeader] = useState("");
  const [body, setBody] = useState("");
  const [footer, setFooter] = useState("");
  const [buttons, setButtons] = useState<WaButton[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const active = (wabas.data ?? []).filter((w) => w.status === "ACTIVE");
  useEffect(() => {
    if (!waba && active.length === 1) setWaba(String(active[0].id));
  }, [active, waba]);

  function updateButton(i: number, patch: Partial<WaButton>) {
    setButtons((bs) => bs.map((b, j) => (j === i ? { ...b, ...patch } : b)));
  }

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    const content: Record<string, unknown> = {};
    if (header) content.header = { type: "TEXT", text: header };
    if (footer) content.footer = footer;
    if (buttons.length)
      content.buttons = buttons.map((b) => ({
        type: b.type,
        text: b.text,
        ...(b.type === "URL" ? { url: b.url } : {}),
        ...(b.type === "PHONE_NUMBER" ? { phoneNumber: b.phoneNumber } : {}),
      }));
    try {
      onCreated(
        await createTemplate({
          name,
          channel: "WHATSAPP",
          language: "en",
          body,
          category: category ?? undefined,
          templateType: "TEXT",
          wabaNumberId: waba ? Number(waba) : undefined,
          content,
        }),
      );
    } catch (err) {
      const fe = fieldErrors(err, WA_FIELDS);
      setErrors(fe);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit}>
      <Grid>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack>
            <TextInput label="Template name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} required />
            <Select
              label="WABA number"
              data={active.map((w) => ({ value: String(w.id), label: `${w.phoneNumber} (${w.displayName})` }))}
              value={waba}
              onChange={setWaba}
              error={errors.wabaNumberId ?? (wabas.error ? errorMessage(wabas.error) : undefined)}
              placeholder={wabas.loading ? "Loading…" : active.length ? "Choose" : "No active WABA number"}
              required
            />
            <Select label="Category" data={["MARKETING", "UTILITY", "AUTHENTICATION"]} value={category} onChange={setCategory} error={errors.category} required />
            <TextInput label="Header (optional)" maxLength={60} value={header} onChange={(e) => setHeader(e.currentTarget.value)} error={errors["content.header"]} />
            <Textarea label="Body" description="Use {{1}}, {{2}}… for variables" autosize minRows={4} value={body} onChange={(e) => setBody(e.currentTarget.value)} error={errors.body} required />
            <TextInput label="Footer (optional)" maxLength={60} value={footer} onChange={(e) => setFooter(e.currentTarget.value)} error={errors["content.footer"]} />
            <Box>
              <Group justify="space-between">
                <Text size="sm" fw={500}>
                  Buttons
                </Text>
                <Button size="xs" variant="light" disabled={buttons.length >= 10} onClick={() => setButtons((bs) => [...bs, { type: "QUICK_REPLY", text: "" }])}>
                  Add button
                </Button>
              </Group>
              {buttons.map((b, i) => (
                <Group key={i} mt="xs" align="flex-end" wrap="nowrap">
                  <Select w={150} data={["QUICK_REPLY", "URL", "PHONE_NUMBER"]} value={b.type} onChange={(v) => updateButton(i, { type: (v ?? "QUICK_REPLY") as WaButton["type"] })} />
                  <TextInput placeholder="Text" maxLength={25} value={b.text} onChange={(e) => updateButton(i, { text: e.currentTarget.value })} />
                  {b.type === "URL" && <TextInput placeholder="https://…" value={b.url ?? ""} onChange={(e) => updateButton(i, { url: e.currentTarget.value })} />}
                  {b.type === "PHONE_NUMBER" && <TextInput placeholder="+91…" value={b.phoneNumber ?? ""} onChange={(e) => updateButton(i, { phoneNumber: e.currentTarget.value })} />}
                  <ActionIcon variant="subtle" color="red" onClick={() => setButtons((bs) => bs.filter((_, j) => j !== i))} aria-label="Remove button">
                    ✕
                  </ActionIcon>
                </Group>
              ))}
              {errors["content.buttons"] && (
                <Text size="xs" c="red">
                  {errors["content.buttons"]}
                </Text>
              )}
            </Box>
            {errors._form && <Alert color="red">{errors._form}</Alert>}
            <Button type="submit" loading={busy}>
              Submit for approval
            </Button>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Text fw={600} mb="xs">
            Preview
          </Text>
          <PhoneBubble header={header} body={body} footer={footer} buttons={buttons.map((b) => b.text || "Button")} />
        </Grid.Col>
      </Grid>
    </form>
  );
}

export function PhoneBubble({ header, body, footer, buttons }: { header?: string; body: string; footer?: string; buttons: string[] }) {
  return (
    <Box style={{ background: "#e5ddd5", borderRadius: 24, padding: 16, border: "8px solid #222", minHeight: 360 }}>
      <Box style={{ background: "#fff", borderRadius: "0 8px 8px 8px", padding: 8, maxWidth: "90%", boxShadow: "0 1px 1px rgba(0,0,0,.15)" }}>
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

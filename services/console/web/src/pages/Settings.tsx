import { Alert, Button, Code, CopyButton, Group, Modal, Paper, Stack, Text, Textarea, TextInput, Title } from "@mantine/core";
import { ModalActions } from "../components/ModalActions";
import { notifications } from "@mantine/notifications";
import { useEffect, useState } from "react";
import { api, unwrap, type Schemas } from "../api/client";
import { errorMessage } from "../api/errors";
import { Loaded } from "../components/States";
import { TimeZoneSelect } from "../components/TimeZoneSelect";
import { dateTime, setDisplayTimeZone } from "../lib/format";
import { AuditLog } from "./AuditLog";
import { useLoad } from "../lib/useLoad";

export function SettingsPage() {
  const state = useLoad(async () => unwrap(await api.GET("/api/settings")), []);
  return (
    <>
      <Title order={2} mb="md">
        Settings
      </Title>
      <Loaded state={state}>
        {(s) => (
          <Stack maw={720}>
            <ApiKeyCard settings={s} onRotated={state.reload} />
            <WebhookCard settings={s} onSaved={state.reload} />
            <AllowlistCard settings={s} onSaved={state.reload} />
            <TimeZoneCard settings={s} onSaved={state.reload} />
          </Stack>
        )}
      </Loaded>
      <Title order={3} mt="xl" mb="sm">
        Audit log
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Logins, key and secret rotations, approvals, balance adjustments and changes to your account, newest first.
      </Text>
      {/* read again after any change above (each is an entry of its own) */}
      <AuditLog scope="account" key={state.data ? JSON.stringify(state.data) : ""} />
    </>
  );
}

function ApiKeyCard({ settings, onRotated }: { settings: Schemas["SettingsOut"]; onRotated: () => void }) {
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [newKey, setNewKey] = useState<string | null>(null);
  async function rotate() {
    setBusy(true);
    setError(null);
    try {
      const out = unwrap(await api.POST("/api/settings/api-key/rotate"));
      setNewKey(out.apiKey);
      setConfirm(false);
      onRotated();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Paper withBorder p="md">
      <Title order={4}>API key</Title>
      <Text size="sm" mt="xs">
        Current key: <Code>{settings.apiKeyPrefix ? `${settings.apiKeyPrefix}…` : "none"}</Code> (created {dateTime(settings.apiKeyCreatedAt)})
      </Text>
      {newKey && (
        <Alert color="green" mt="sm" title="Your new API key — copy it now, it is shown only once">
          <Group>
            <Code data-testid="new-api-key">{newKey}</Code>
            <CopyButton value={newKey}>{({ copied, copy }) => <Button size="xs" onClick={copy}>{copied ? "Copied" : "Copy"}</Button>}</CopyButton>
          </Group>
        </Alert>
      )}
      {error && (
        <Alert color="red" mt="sm">
          {error}
        </Alert>
      )}
      <Button mt="sm" color="orange" onClick={() => setConfirm(true)}>
        Rotate API key
      </Button>
      <Modal opened={confirm} onClose={() => setConfirm(false)} title="Rotate the API key?">
        <Text size="sm">The current key stops working at once. Programs using it must switch to the new key.</Text>
        <ModalActions busy={busy} label="Rotate" color="orange" onCancel={() => setConfirm(false)} onConfirm={rotate} />
      </Modal>
    </Paper>
  );
}

function WebhookCard({ settings, onSaved }: { settings: Schemas["SettingsOut"]; onSaved: () => void }) {
  const [url, setUrl] = useState(settings.webhookUrl ?? "");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setUrl(settings.webhookUrl ?? ""), [settings.webhookUrl]);
  async function save() {
    setBusy(true);
    setError(null);
    try {
      unwrap(await api.PUT("/api/settings/webhook", { body: { url: url.trim() || null } }));
      notifications.show({ color: "green", message: "Webhook URL saved" });
      onSaved();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Paper withBorder p="md">
      <Title order={4}>Webhook</Title>
      <Group align="flex-end" mt="xs">
        <TextInput label="Webhook URL" placeholder="https://example.com/dlr" value={url} onChange={(e) => setUrl(e.currentTarget.value)} error={error} style={{ flex: 1 }} />
        <Button loading={busy} onClick={save}>
          Save
        </Button>
      </Group>
      <SigningSecret secret={settings.webhookSecret} />
    </Paper>
  );
}

/** The webhook signing secret: masked once saved (the server never sends it again), rotated
 * with a confirmation, the new one shown once; the old one keeps signing for the grace period. */
function SigningSecret({ secret }: { secret: string | null }) {
  const state = useLoad(async () => unwrap(await api.GET("/api/settings/webhook-secret")), []);
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fresh, setFresh] = useState<Schemas["NewWebhookSecret"] | null>(null);
  async function rotate() {
    setBusy(true);
    setError(null);
    try {
      setFresh(unwrap(await api.POST("/api/settings/webhook-secret/rotate")));
      setConfirm(false);
      state.reload();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }
  const detail = state.data;
  const masked = detail?.webhookSecret ?? secret;
  return (
    <Stack gap={4} mt="sm">
      <Group gap="xs">
        <Text size="sm">Signing secret:</Text>
        <Code data-testid="webhook-secret">{masked ?? "none"}</Code>
        <Button size="compact-xs" color="orange" variant="light" onClick={() => setConfirm(true)}>
          Rotate signing secret
        </Button>
      </Group>
      <Text size="xs" c="dimmed">
        Receipts are signed with this secret (verify the X-CPaaS-Signature on your server). It is shown only when it is
        made: at the account's creation and after a rotation.
        {detail?.rotatedAt ? ` Last rotated ${dateTime(detail.rotatedAt)}.` : ""}
        {detail?.previousValidUntil
          ? ` The previous secret still signs receipts too until ${dateTime(detail.previousValidUntil)}.`
          : ""}
      </Text>
      {fresh && (
        <Alert color="green" mt="xs" title="Your new signing secret — copy it now, it is shown only once">
          <Group>
            <Code data-testid="new-webhook-secret">{fresh.webhookSecret}</Code>
            <CopyButton value={fresh.webhookSecret}>
              {({ copied, copy }) => (
                <Button size="xs" onClick={copy}>
                  {copied ? "Copied" : "Copy"}
                </Button>
              )}
            </CopyButton>
          </Group>
          {fresh.previousValidUntil && (
            <Text size="xs" mt="xs">
              Until {dateTime(fresh.previousValidUntil)} every receipt carries a signature by each secret, so your
              server may switch over meanwhile.
            </Text>
          )}
        </Alert>
      )}
      {error && (
        <Alert color="red" mt="xs">
          {error}
        </Alert>
      )}
      <Modal opened={confirm} onClose={() => setConfirm(false)} title="Rotate the webhook signing secret?">
        <Text size="sm">
          A new secret signs every receipt from now on. The current one stays valid for a grace period (24 hours by
          default), then stops.
        </Text>
        <ModalActions busy={busy} label="Rotate" color="orange" onCancel={() => setConfirm(false)} onConfirm={rotate} />
      </Modal>
    </Stack>
  );
}

function AllowlistCard({ settings, onSaved }: { settings: Schemas["SettingsOut"]; onSaved: () => void }) {
  const [text, setText] = useState(settings.ipAllowlist.join("\n"));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function save() {
    setBusy(true);
    setError(null);
    try {
      const entries = text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
      unwrap(await api.PUT("/api/settings/ip-allowlist", { body: { entries } }));
      notifications.show({ color: "green", message: "IP allow-list saved" });
      onSaved();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Paper withBorder p="md">
      <Title order={4}>IP allow-list</Title>
      <Textarea
        mt="xs"
        label="Allowed IPs or CIDRs, one a line"
        description="Leave blank or set * to allow all IPs"
        autosize
        minRows={3}
        value={text}
        onChange={(e) => setText(e.currentTarget.value)}
        error={error}
      />
      <Button mt="sm" loading={busy} onClick={save}>
        Save
      </Button>
    </Paper>
  );
}

function TimeZoneCard({ settings, onSaved }: { settings: Schemas["SettingsOut"]; onSaved: () => void }) {
  const [zone, setZone] = useState(settings.timeZone);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setZone(settings.timeZone), [settings.timeZone]);
  async function save() {
    setBusy(true);
    setError(null);
    try {
      const out = unwrap(await api.PUT("/api/settings/time-zone", { body: { timeZone: zone } }));
      setDisplayTimeZone(out.timeZone);
      notifications.show({ color: "green", message: `Time zone set to ${out.timeZone}` });
      onSaved();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Paper withBorder p="md">
      <Title order={4}>Time zone</Title>
      <Group align="flex-end" mt="xs">
        <TimeZoneSelect
          label="Account time zone"
          description="“Today” on the Dashboard, the Reports filters, the CSV export and every date shown here use it"
          value={zone}
          onChange={setZone}
          error={error}
        />
        <Button loading={busy} onClick={save} disabled={zone === settings.timeZone}>
          Save
        </Button>
      </Group>
    </Paper>
  );
}

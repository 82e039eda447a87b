import { Alert, Button, Code, CopyButton, Group, Modal, Paper, Stack, Text, Textarea, TextInput, Title } from "@mantine/core";
import { ModalActions } from "../components/ModalActions";
import { notifications } from "@mantine/notifications";
import { useEffect, useState } from "react";
import { api, unwrap, type Schemas } from "../api/client";
import { errorMessage } from "../api/errors";
import { Loaded } from "../components/States";
import { dateTime, maskSecret } from "../lib/format";
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
          </Stack>
        )}
      </Loaded>
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

/** The webhook signing secret, masked until the user asks to see it, with a copy button. */
function SigningSecret({ secret }: { secret: string | null }) {
  const [shown, setShown] = useState(false);
  return (
    <Stack gap={4} mt="sm">
      <Group gap="xs">
        <Text size="sm">Signing secret:</Text>
        <Code data-testid="webhook-secret">{secret === null ? "none" : shown ? secret : maskSecret(secret)}</Code>
        {secret !== null && (
          <>
            <Button size="compact-xs" variant="default" onClick={() => setShown((s) => !s)}>
              {shown ? "Hide" : "Reveal"}
            </Button>
            <CopyButton value={secret}>
              {({ copied, copy }) => (
                <Button size="compact-xs" variant="default" onClick={copy}>
                  {copied ? "Copied" : "Copy"}
                </Button>
              )}
            </CopyButton>
          </>
        )}
        {/* the console API has no rotation route yet: the control is there, and says so */}
        <Button size="compact-xs" color="orange" variant="light" disabled aria-describedby="webhook-secret-rotation">
          Rotate signing secret
        </Button>
      </Group>
      <Text size="xs" c="dimmed" id="webhook-secret-rotation">
        Receipts are signed with this secret (verify the signature on your server). Rotating it from the console is not
        available yet.
      </Text>
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

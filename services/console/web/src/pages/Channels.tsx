import { Alert, Badge, Button, Code, Group, Modal, Stack, Table, Tabs, Text, TextInput, Title } from "@mantine/core";
import { ModalActions } from "../components/ModalActions";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { api, unwrap, type Schemas } from "../api/client";
import { fieldErrors } from "../api/errors";
import { Loaded } from "../components/States";
import { describeStatusReason } from "../lib/errors";
import { STATUS_COLORS } from "../lib/format";
import { useLoad } from "../lib/useLoad";
import { UpdatedAt, usePolling } from "../components/LiveRefresh";

const WABA_STATUS_LABELS: Record<Schemas["WabaNumberOut"]["status"], string> = { ACTIVE: "Active", INACTIVE: "Inactive" };

export function ChannelsPage() {
  return (
    <>
      <Title order={2} mb="md">
        Channels
      </Title>
      <Tabs defaultValue="whatsapp">
        <Tabs.List>
          <Tabs.Tab value="whatsapp">WhatsApp</Tabs.Tab>
          <Tabs.Tab value="rcs">RCS</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="whatsapp" pt="md">
          <WhatsApp />
        </Tabs.Panel>
        <Tabs.Panel value="rcs" pt="md">
          <Rcs />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}

function WhatsApp() {
  const wabas = useLoad(async () => unwrap(await api.GET("/api/channels/whatsapp")), []);
  return (
    <Loaded state={wabas} isEmpty={(d) => d.length === 0} empty="No WABA number is linked to your account yet. Contact your administrator to link one.">
      {(items) => (
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>WABA Number</Table.Th>
              <Table.Th>Display Name</Table.Th>
              <Table.Th>API Key</Table.Th>
              <Table.Th>Status</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((w) => (
              <Table.Tr key={w.id}>
                <Table.Td>{w.phoneNumber}</Table.Td>
                <Table.Td>{w.displayName}</Table.Td>
                <Table.Td>
                  <Code>{w.apiKey}</Code>
                </Table.Td>
                <Table.Td>
                  <Badge color={STATUS_COLORS[w.status]} tt="none">
                    {WABA_STATUS_LABELS[w.status]}
                  </Badge>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Loaded>
  );
}

function Rcs() {
  const bots = useLoad(async () => unwrap(await api.GET("/api/channels/rcs")), []);
  const updatedAt = usePolling(bots.refresh, bots.data); // an admin's activation shows without a reload
  const [requesting, setRequesting] = useState(false);
  const [requested, setRequested] = useState<Schemas["RcsBotOut"] | null>(null);
  return (
    <>
      <Group justify="space-between" mb="sm">
        <Text size="sm" c="dimmed">
          Your business identities on the Virtuoso RBM platform. A requested bot stays PENDING until an administrator activates it.
        </Text>
        <Group gap="sm">
          <UpdatedAt at={updatedAt} onRefresh={bots.refresh} />
          <Button onClick={() => setRequesting(true)}>Request RCS bot</Button>
        </Group>
      </Group>
      {requested && (
        <Alert color="yellow" title={`${requested.displayName} is PENDING`} withCloseButton closeButtonLabel="Dismiss" onClose={() => setRequested(null)} mb="sm">
          Your request for the bot @{requested.handle} was received. An administrator must activate it before you can send RCS messages with it.
        </Alert>
      )}
      <Loaded state={bots} isEmpty={(d) => d.length === 0} empty="No RCS bot yet: request one to send RCS messages.">
        {(items) => (
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Display Name</Table.Th>
                <Table.Th>Bot ID</Table.Th>
                <Table.Th>Bot Handle</Table.Th>
                <Table.Th>API Key</Table.Th>
                <Table.Th>Status</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((b) => (
                <Table.Tr key={b.id}>
                  <Table.Td>{b.displayName}</Table.Td>
                  <Table.Td>{b.botId}</Table.Td>
                  <Table.Td>{b.handle}</Table.Td>
                  <Table.Td>
                    <Code>{b.apiKey}</Code>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={STATUS_COLORS[b.status]}>{b.status}</Badge>
                    {b.status === "PENDING" && (
                      <Text size="xs" c="dimmed">
                        Waiting for an administrator to activate it
                      </Text>
                    )}
                    {b.statusReason && (
                      <Text size="xs" c="red">
                        {describeStatusReason(b.statusReason)}
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Loaded>
      {requesting && (
        <RequestBotModal
          onClose={() => setRequesting(false)}
          onRequested={(bot) => {
            setRequesting(false);
            setRequested(bot);
            notifications.show({ color: "green", message: `RCS bot ${bot.displayName} requested: an administrator must activate it` });
            bots.reload();
          }}
        />
      )}
    </>
  );
}

const BOT_FIELDS = ["displayName", "handle"] as const;

/** Mounted afresh each time it opens, so it starts empty. */
function RequestBotModal({ onClose, onRequested }: { onClose: () => void; onRequested: (bot: Schemas["RcsBotOut"]) => void }) {
  const [displayName, setDisplayName] = useState("");
  const [handle, setHandle] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    const local: Record<string, string> = {};
    if (!displayName.trim()) local.displayName = "enter the name recipients will see";
    if (!handle.trim()) local.handle = "enter a handle";
    setErrors(local);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      const bot = unwrap(
        await api.POST("/api/channels/rcs", {
          body: { displayName: displayName.trim(), handle: handle.trim() },
        }),
      );
      onRequested(bot);
    } catch (err) {
      setErrors(fieldErrors(err, BOT_FIELDS));
      setBusy(false);
    }
  }

  return (
    <Modal opened onClose={onClose} title="Request RCS bot" size="lg">
      <form onSubmit={submit} noValidate>
        <Stack>
          <Text size="sm">
            The bot is created on the RBM platform, which gives it its bot ID and secret; it stays PENDING until an
            administrator activates (launches) it.
          </Text>
          <TextInput
            label="Display name"
            description="Bot name shown to recipients (up to 100 characters)"
            maxLength={100}
            value={displayName}
            onChange={(e) => setDisplayName(e.currentTarget.value)}
            error={errors.displayName}
            withAsterisk
            aria-required
            data-autofocus
          />
          <TextInput
            label="Bot handle"
            description="Unique handle: 3-64 of a-z 0-9 _ . -"
            maxLength={64}
            value={handle}
            onChange={(e) => setHandle(e.currentTarget.value)}
            error={errors.handle}
            withAsterisk
            aria-required
          />
          <ModalActions error={errors._form} busy={busy} label="Submit request" onCancel={onClose} />
        </Stack>
      </form>
    </Modal>
  );
}

// The fraud guard's holds (beyond the guide): when an account's fraud probability crosses the
// threshold, the number ranges or countries a detector found it pumping are held, and sends there
// are refused with FRAUD_HOLD. The user sees each hold and why on Traffic Anomaly; the admin sees
// every account's holds with their evidence and releases them (audit-logged).
import { Badge, Button, Group, Modal, Paper, Select, Stack, Table, Text, Textarea, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { api, unwrap, type Schemas } from "../../api/client";
import { errorMessage } from "../../api/errors";
import { dateTime } from "../../lib/format";
import { holdReason, holdSubject } from "../../lib/fraudHolds";
import { useLoad } from "../../lib/useLoad";

export type HoldRow = Schemas["FraudHold"];

function HoldBadge({ status }: { status: HoldRow["status"] }) {
  return <Badge color={status === "ACTIVE" ? "red" : "gray"}>{status}</Badge>;
}

/** Traffic Anomaly's panel: the account's holds (shown only when there are any). */
export function AccountFraudHolds({ reloadKey }: { reloadKey: unknown }) {
  const state = useLoad(async () => unwrap(await api.GET("/api/fraud-holds", { params: { query: { pageSize: 50 } } })).items, [reloadKey]);
  const holds = state.data;
  if (!holds || holds.length === 0) return null;
  const active = holds.filter((h) => h.status === "ACTIVE").length;
  return (
    <Paper withBorder p="sm" mb="md" data-testid="fraud-holds">
      <Title order={5} mb={4}>
        Fraud holds <Badge color={active ? "red" : "gray"}>{active} active</Badge>
      </Title>
      <Text size="xs" c="dimmed" mb="xs">
        Sends to a held destination are refused with FRAUD_HOLD; the rest of your traffic is untouched. Your admin
        reviews each hold and releases it.
      </Text>
      <Table aria-label="Fraud holds">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Held</Table.Th>
            <Table.Th>Destination</Table.Th>
            <Table.Th>Why</Table.Th>
            <Table.Th>Status</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {holds.map((h) => (
            <Table.Tr key={h.id}>
              <Table.Td>#{h.id} {dateTime(h.createdAt)}</Table.Td>
              <Table.Td>{holdSubject(h)}</Table.Td>
              <Table.Td>
                <Text size="xs">{holdReason(h)}</Text>
              </Table.Td>
              <Table.Td>
                <HoldBadge status={h.status} />
                {h.releasedAt && (
                  <Text size="xs" c="dimmed">
                    released {dateTime(h.releasedAt)} by {h.releasedBy}
                  </Text>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}

/** The admin's tab: every account's holds, filtered by status, each ACTIVE one with Release. */
export function AdminFraudHolds({ accountName }: { accountName: (id: number) => string }) {
  const [status, setStatus] = useState<string | null>("ACTIVE");
  const [releasing, setReleasing] = useState<HoldRow | null>(null);
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const state = useLoad(
    async () =>
      unwrap(
        await api.GET("/api/admin/fraud-holds", {
          params: { query: { status: (status as HoldRow["status"] | null) ?? undefined, pageSize: 100 } },
        }),
      ).items,
    [status],
  );
  const rows = state.data;

  async function release() {
    if (!releasing) return;
    setBusy(true);
    try {
      unwrap(
        await api.POST("/api/admin/fraud-holds/{hold_id}/release", {
          params: { path: { hold_id: releasing.id } },
          body: { note: note || null },
        }),
      );
      notifications.show({ color: "green", message: `Hold #${releasing.id} released: ${holdSubject(releasing)} can be sent to again` });
      setReleasing(null);
      setNote("");
      state.refresh();
    } catch (err) {
      notifications.show({ color: "red", message: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <Stack>
      <Group>
        <Select label="Status" placeholder="All" clearable data={["ACTIVE", "RELEASED"]} value={status} onChange={setStatus} w={180} />
      </Group>
      {state.error ? (
        <Text c="red">{errorMessage(state.error)}</Text>
      ) : rows && rows.length === 0 ? (
        <Text c="dimmed">No fraud holds{status ? ` with status ${status}` : ""}.</Text>
      ) : (
        <Table aria-label="Fraud holds">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Hold</Table.Th>
              <Table.Th>Account</Table.Th>
              <Table.Th>Destination</Table.Th>
              <Table.Th>Evidence</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(rows ?? []).map((h) => (
              <Table.Tr key={h.id}>
                <Table.Td>#{h.id} {dateTime(h.createdAt)}</Table.Td>
                <Table.Td>{accountName(h.accountId)}</Table.Td>
                <Table.Td>{holdSubject(h)}</Table.Td>
                <Table.Td>
                  <Text size="xs">{holdReason(h)}</Text>
                </Table.Td>
                <Table.Td>
                  <HoldBadge status={h.status} />
                  {h.releasedBy && (
                    <Text size="xs" c="dimmed">
                      by {h.releasedBy} {dateTime(h.releasedAt)}
                      {h.releaseNote ? `: ${h.releaseNote}` : ""}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  {h.status === "ACTIVE" && (
                    <Button size="xs" variant="light" onClick={() => setReleasing(h)}>
                      Release
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Modal opened={releasing !== null} onClose={() => setReleasing(null)} title={releasing ? `Release hold #${releasing.id}` : ""}>
        {releasing && (
          <Stack>
            <Text size="sm">
              Sends from {accountName(releasing.accountId)} to {holdSubject(releasing)} will go through again, and the
              guard will not hold this destination again for the release grace.
            </Text>
            <Text size="xs" c="dimmed">
              {holdReason(releasing)}
            </Text>
            <Textarea label="Note" placeholder="Why it is released (kept with the hold)" value={note} onChange={(e) => setNote(e.currentTarget.value)} maxLength={1000} />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setReleasing(null)}>
                Cancel
              </Button>
              <Button color="red" loading={busy} onClick={release}>
                Release hold
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}

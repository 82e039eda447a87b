import { ActionIcon, Button, Group, Pagination, Table, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { useEffect, useState } from "react";
import { api, unwrap } from "../api/client";
import { errorMessage } from "../api/errors";
import { Empty, ErrorState, Loading } from "../components/States";
import { dateTime } from "../lib/format";
import { useLoad } from "../lib/useLoad";

const PAGE_SIZE = 20;

export function BlacklistPage() {
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search.trim(), 300);
  const [page, setPage] = useState(1);
  const [recipient, setRecipient] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setPage(1), [debounced]);
  const state = useLoad(
    async () => unwrap(await api.GET("/api/blacklist", { params: { query: { search: debounced || undefined, page, pageSize: PAGE_SIZE } } })),
    [debounced, page],
  );

  async function add(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      unwrap(await api.POST("/api/blacklist", { body: { recipient: recipient.trim() } }));
      notifications.show({ color: "green", message: `${recipient.trim()} blacklisted` });
      setRecipient("");
      state.reload();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  async function remove(r: string) {
    try {
      unwrap(await api.DELETE("/api/blacklist/{recipient}", { params: { path: { recipient: r } } }));
      notifications.show({ message: `${r} removed from the blacklist` });
      state.reload();
    } catch (err) {
      notifications.show({ color: "red", message: errorMessage(err) });
    }
  }

  return (
    <>
      <Title order={2} mb="md">
        Blacklist Management
      </Title>
      <form onSubmit={add}>
        <Group align="flex-end" mb="md">
          <TextInput
            label="Phone number"
            description="International format; messages to it are refused"
            placeholder="+919876543210"
            value={recipient} onChange={(e) => setRecipient(e.currentTarget.value)}
            error={error}
            w={260}
            required
          />
          <Button type="submit" loading={busy} mb={error ? 22 : 0}>
            Add to blacklist
          </Button>
        </Group>
      </form>
      <TextInput label="Search numbers" placeholder="+9198…" value={search} onChange={(e) => setSearch(e.currentTarget.value)} w={260} mb="sm" />
      {state.error ? (
        <ErrorState error={state.error} onRetry={state.reload} />
      ) : !state.data ? (
        <Loading />
      ) : state.data.items.length === 0 ? (
        <Empty>{debounced ? "No blacklisted number matches." : "No blacklisted numbers."}</Empty>
      ) : (
        <>
          <Table striped maw={600}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Recipient</Table.Th>
                <Table.Th>Added</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {state.data.items.map((b) => (
                <Table.Tr key={b.recipient}>
                  <Table.Td>{b.recipient}</Table.Td>
                  <Table.Td>{dateTime(b.createdAt)}</Table.Td>
                  <Table.Td>
                    <ActionIcon variant="subtle" color="red" aria-label={`Remove ${b.recipient}`} onClick={() => remove(b.recipient)}>
                      🗑
                    </ActionIcon>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Group justify="space-between" mt="sm" maw={600}>
            <Text size="sm" c="dimmed">
              {state.data.total} number(s)
            </Text>
            <Pagination total={Math.max(1, Math.ceil(state.data.total / PAGE_SIZE))} value={page} onChange={setPage} />
          </Group>
        </>
      )}
    </>
  );
}

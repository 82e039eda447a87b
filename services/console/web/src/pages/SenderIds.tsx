import { Alert, Badge, Button, Group, Pagination, Paper, Select, Table, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { useEffect, useState } from "react";
import { api, unwrap } from "../api/client";
import { fieldErrors } from "../api/errors";
import { Empty, ErrorState, Loading } from "../components/States";
import { describeStatusReason } from "../lib/errors";
import { dateTime, STATUS_COLORS } from "../lib/format";
import { useLoad } from "../lib/useLoad";

const PAGE_SIZE = 20;
const MAX_SEARCH_CHARS = 30; // the longest PE ID
type Status = "PENDING" | "APPROVED" | "REJECTED";
const STATUSES: Status[] = ["PENDING", "APPROVED", "REJECTED"];

export function SenderIdsPage() {
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search.trim(), 300);
  const [status, setStatus] = useState<string | null>(null);
  const [page, setPage] = useState(1);
  useEffect(() => setPage(1), [debounced, status]);
  // searched, filtered and paged by the server
  const state = useLoad(
    async () =>
      unwrap(
        await api.GET("/api/sender-ids", {
          params: { query: { search: debounced || undefined, status: (status as Status) ?? undefined, page, pageSize: PAGE_SIZE } },
        }),
      ),
    [debounced, status, page],
  );
  const [senderId, setSenderId] = useState("");
  const [peId, setPeId] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  async function request(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      unwrap(await api.POST("/api/sender-ids", { body: { senderId: senderId.trim(), peId: peId.trim() } }));
      notifications.show({ color: "green", message: `Sender ID ${senderId.trim()} requested` });
      setSenderId("");
      setPeId("");
      state.reload();
    } catch (err) {
      setErrors(fieldErrors(err, ["senderId", "peId"]));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <Title order={2} mb="md">
        Sender IDs
      </Title>
      <Paper withBorder p="md" mb="md" maw={720}>
        <form onSubmit={request}>
          <Group align="flex-start">
            <TextInput label="Sender ID" description="Up to 11 letters or digits" maxLength={11} value={senderId} onChange={(e) => setSenderId(e.currentTarget.value)} error={errors.senderId} required />
            <TextInput label="PE ID" description="Principal Entity ID on the DLT portal" value={peId} onChange={(e) => setPeId(e.currentTarget.value)} error={errors.peId} required />
            <Button type="submit" mt={46} loading={busy}>
              Request
            </Button>
          </Group>
          {errors._form && (
            <Alert color="red" mt="sm">
              {errors._form}
            </Alert>
          )}
        </form>
      </Paper>
      <Group mb="sm" align="flex-end">
        <TextInput
          label="Search sender IDs"
          placeholder="Sender ID or PE ID"
          maxLength={MAX_SEARCH_CHARS}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          w={280}
        />
        <Select label="Status" placeholder="All statuses" clearable data={STATUSES} value={status} onChange={setStatus} w={160} />
      </Group>
      {state.error ? (
        <ErrorState error={state.error} onRetry={state.reload} />
      ) : !state.data ? (
        <Loading />
      ) : state.data.items.length === 0 ? (
        <Empty>{debounced || status ? "No sender ID matches these filters." : "No sender IDs yet: request one above."}</Empty>
      ) : (
        <>
          <Table striped style={{ opacity: state.loading ? 0.6 : 1 }}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Sender ID</Table.Th>
                <Table.Th>PE ID</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Requested</Table.Th>
                <Table.Th>Reviewed</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {state.data.items.map((s) => (
                <Table.Tr key={s.id}>
                  <Table.Td>{s.senderId}</Table.Td>
                  <Table.Td>{s.peId}</Table.Td>
                  <Table.Td>
                    <Badge color={STATUS_COLORS[s.status]}>{s.status}</Badge>
                    {s.statusReason && (
                      <Text size="xs" c="red">
                        {describeStatusReason(s.statusReason)}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{dateTime(s.createdAt)}</Table.Td>
                  <Table.Td>{dateTime(s.reviewedAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Group justify="space-between" mt="sm">
            <Text size="sm" c="dimmed">
              {state.data.total} sender ID(s)
            </Text>
            <Pagination total={Math.max(1, Math.ceil(state.data.total / PAGE_SIZE))} value={page} onChange={setPage} />
          </Group>
        </>
      )}
    </>
  );
}

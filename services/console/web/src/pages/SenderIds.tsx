import { Alert, Badge, Button, Group, Paper, Select, Text, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { fieldErrors } from "../api/errors";
import { UpdatedAt, usePolling } from "../components/LiveRefresh";
import { ListPage, useListPage } from "../components/ListPage";
import { describeStatusReason } from "../lib/errors";
import { dateTime, STATUS_COLORS } from "../lib/format";

const MAX_SEARCH_CHARS = 30; // the longest PE ID
type Status = "PENDING" | "APPROVED" | "REJECTED";
const STATUSES: Status[] = ["PENDING", "APPROVED", "REJECTED"];

export function SenderIdsPage() {
  // searched, filtered and paged by the server
  const list = useListPage({
    filters: { status: null as string | null },
    load: async ({ search, filters, page, pageSize }) =>
      unwrap(await api.GET("/api/sender-ids", { params: { query: { search, status: (filters.status as Status) ?? undefined, page, pageSize } } })),
  });
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
      list.reload();
    } catch (err) {
      setErrors(fieldErrors(err, ["senderId", "peId"]));
    } finally {
      setBusy(false);
    }
  }

  const updatedAt = usePolling(list.refresh, list.data); // an admin's verdict shows without a reload

  return (
    <ListPage
      list={list}
      title="Sender IDs"
      actions={<UpdatedAt at={updatedAt} onRefresh={list.refresh} />}
      above={
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
      }
      search={{ label: "Search sender IDs", placeholder: "Sender ID or PE ID", maxLength: MAX_SEARCH_CHARS, w: 280 }}
      filters={<Select label="Status" placeholder="All statuses" clearable data={STATUSES} value={list.filters.status} onChange={(v) => list.setFilter("status", v)} w={160} />}
      rowKey={(s) => s.id}
      empty={(filtered) => (filtered ? "No sender ID matches these filters." : "No sender IDs yet: request one above.")}
      count={(total) => `${total} sender ID(s)`}
      columns={[
        { header: "Sender ID", cell: (s) => s.senderId },
        { header: "PE ID", cell: (s) => s.peId },
        {
          header: "Status",
          cell: (s) => (
            <>
              <Badge color={STATUS_COLORS[s.status]}>{s.status}</Badge>
              {s.statusReason && (
                <Text size="xs" c="red">
                  {describeStatusReason(s.statusReason)}
                </Text>
              )}
            </>
          ),
        },
        { header: "Requested", cell: (s) => dateTime(s.createdAt) },
        { header: "Reviewed", cell: (s) => dateTime(s.reviewedAt) },
      ]}
    />
  );
}

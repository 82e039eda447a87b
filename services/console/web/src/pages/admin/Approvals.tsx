import { Badge, Button, Group, Modal, Pagination, Select, Table, Text, TextInput, Textarea } from "@mantine/core";
import { ModalActions } from "../../components/ModalActions";
import { useDebouncedValue } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { useEffect, useState } from "react";
import { api, unwrap, type Schemas } from "../../api/client";
import { errorMessage, fieldErrors } from "../../api/errors";
import { Empty, ErrorState, Loading } from "../../components/States";
import { dateTime } from "../../lib/format";
import { useLoad } from "../../lib/useLoad";

type Approval = Schemas["Approval"];

const KIND_LABELS: Record<Approval["kind"], string> = {
  templates: "Template",
  "sender-ids": "Sender ID",
  "rcs-bots": "RCS bot",
};
const KINDS = (Object.keys(KIND_LABELS) as Approval["kind"][]).map((value) => ({ value, label: KIND_LABELS[value] }));
const MAX_REASON_CHARS = 500;
const MAX_SEARCH_CHARS = 100;
const PAGE_SIZE = 20;

/** The queue of templates, sender IDs and RCS bots waiting for an administrator, oldest first. */
export function Approvals() {
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search.trim(), 300);
  const [kind, setKind] = useState<string | null>(null);
  const [page, setPage] = useState(1);
  useEffect(() => setPage(1), [debounced, kind]);
  // filtered, searched and paged by the server
  const state = useLoad(
    async () =>
      unwrap(
        await api.GET("/api/admin/approvals", {
          params: {
            query: { kind: (kind as Approval["kind"]) ?? undefined, search: debounced || undefined, page, pageSize: PAGE_SIZE },
          },
        }),
      ),
    [debounced, kind, page],
  );
  const pages = state.data ? Math.max(1, Math.ceil(state.data.total / PAGE_SIZE)) : 1;
  useEffect(() => {
    // deciding the last items of the last page empties it: show the page before
    if (state.data && state.data.items.length === 0 && page > pages) setPage(pages);
  }, [state.data, page, pages]);
  const [busy, setBusy] = useState<string | null>(null);
  const [rejecting, setRejecting] = useState<Approval | null>(null);

  async function approve(item: Approval) {
    setBusy(`${item.kind}-${item.id}`);
    try {
      unwrap(
        await api.POST("/api/admin/approvals/{kind}/{item_id}", {
          params: { path: { kind: item.kind, item_id: item.id } },
          body: { decision: "APPROVE", reason: null },
        }),
      );
      notifications.show({ color: "green", message: `${KIND_LABELS[item.kind]} ${item.name}: approved` });
      state.reload();
    } catch (err) {
      notifications.show({ color: "red", message: `${item.name}: ${errorMessage(err)}` });
    } finally {
      setBusy(null);
    }
  }

  return (
    <>
      <Group mb="sm" align="flex-end">
        <Select label="Kind" placeholder="All kinds" clearable data={KINDS} value={kind} onChange={setKind} w={160} />
        <TextInput
          label="Search approvals"
          placeholder="Name or account"
          maxLength={MAX_SEARCH_CHARS}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          w={280}
        />
      </Group>
      {state.error ? (
        <ErrorState error={state.error} onRetry={state.reload} />
      ) : !state.data ? (
        <Loading />
      ) : state.data.items.length === 0 ? (
        <Empty>{debounced || kind ? "Nothing waiting for approval matches these filters." : "Nothing waits for approval."}</Empty>
      ) : (
        <>
          <Table striped style={{ opacity: state.loading ? 0.6 : 1 }}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Kind</Table.Th>
                <Table.Th>Account</Table.Th>
                <Table.Th>Name</Table.Th>
                <Table.Th>Channel</Table.Th>
                <Table.Th>Detail</Table.Th>
                <Table.Th>Requested</Table.Th>
                <Table.Th>Decision</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {state.data.items.map((a) => (
                <Table.Tr key={`${a.kind}-${a.id}`}>
                  <Table.Td>
                    <Badge variant="light">{KIND_LABELS[a.kind]}</Badge>
                  </Table.Td>
                  <Table.Td>{a.accountName}</Table.Td>
                  <Table.Td>{a.name}</Table.Td>
                  <Table.Td>{a.channel ?? "—"}</Table.Td>
                  <Table.Td maw={300}>
                    <Text size="sm" lineClamp={2}>
                      {a.detail ?? ""}
                    </Text>
                  </Table.Td>
                  <Table.Td>{dateTime(a.createdAt)}</Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      <Button size="xs" color="green" aria-label={`Approve ${a.name}`} loading={busy === `${a.kind}-${a.id}`} onClick={() => approve(a)}>
                        Approve
                      </Button>
                      <Button size="xs" color="red" variant="light" aria-label={`Reject ${a.name}`} onClick={() => setRejecting(a)}>
                        Reject
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Group justify="space-between" mt="sm">
            <Text size="sm" c="dimmed">
              {state.data.total} waiting
            </Text>
            <Pagination total={pages} value={page} onChange={setPage} />
          </Group>
        </>
      )}
      <RejectModal
        item={rejecting}
        onClose={() => setRejecting(null)}
        onRejected={() => {
          setRejecting(null);
          state.reload();
        }}
      />
    </>
  );
}

/** A rejection always carries a reason: the requester sees it next to the REJECTED status. */
function RejectModal({ item, onClose, onRejected }: { item: Approval | null; onClose: () => void; onRejected: () => void }) {
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [shownFor, setShownFor] = useState<Approval | null>(null);
  if (item !== shownFor) {
    // a new item to reject: start with an empty form
    setShownFor(item);
    setReason("");
    setErrors({});
  }

  async function reject(e: React.FormEvent) {
    e.preventDefault();
    if (!item) return;
    const why = reason.trim();
    if (!why) {
      setErrors({ reason: "a rejection needs a reason the user will see" });
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      unwrap(
        await api.POST("/api/admin/approvals/{kind}/{item_id}", {
          params: { path: { kind: item.kind, item_id: item.id } },
          body: { decision: "REJECT", reason: why },
        }),
      );
      notifications.show({ color: "orange", message: `${KIND_LABELS[item.kind]} ${item.name}: rejected` });
      onRejected();
    } catch (err) {
      setErrors(fieldErrors(err, ["reason"]));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened={item !== null} onClose={onClose} title={`Reject ${item ? `${KIND_LABELS[item.kind].toLowerCase()} ${item.name}` : ""}`}>
      <form onSubmit={reject}>
        <Textarea
          label="Reason (the user sees it)"
          autosize
          minRows={2}
          maxLength={MAX_REASON_CHARS}
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          error={errors.reason}
          withAsterisk
          aria-required
          data-autofocus
        />
        <ModalActions error={errors._form} busy={busy} label="Confirm rejection" color="red" onCancel={onClose} />
      </form>
    </Modal>
  );
}

import { Alert, Badge, Button, Group, Modal, Table, Text, Textarea } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { api, unwrap, type Schemas } from "../../api/client";
import { errorMessage, fieldErrors } from "../../api/errors";
import { Loaded } from "../../components/States";
import { dateTime } from "../../lib/format";
import { useLoad } from "../../lib/useLoad";

type Approval = Schemas["Approval"];

const KIND_LABELS: Record<Approval["kind"], string> = {
  templates: "Template",
  "sender-ids": "Sender ID",
  "rcs-bots": "RCS bot",
};
const MAX_REASON_CHARS = 500;

/** The queue of templates, sender IDs and RCS bots waiting for an administrator. */
export function Approvals() {
  const state = useLoad(async () => unwrap(await api.GET("/api/admin/approvals")), []);
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
      <Loaded state={state} isEmpty={(d) => d.length === 0} empty="Nothing waits for approval.">
        {(items) => (
          <Table striped>
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
              {items.map((a) => (
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
        )}
      </Loaded>
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
        {errors._form && (
          <Alert color="red" mt="sm">
            {errors._form}
          </Alert>
        )}
        <Group justify="flex-end" mt="md">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" color="red" loading={busy}>
            Confirm rejection
          </Button>
        </Group>
      </form>
    </Modal>
  );
}

import { Badge, Button, Group, Modal, Pagination, Table, Text, TextInput } from "@mantine/core";
import { ModalActions } from "../../components/ModalActions";
import { useDebouncedValue } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { useEffect, useMemo, useState } from "react";
import { api, unwrap, type Schemas } from "../../api/client";
import { errorMessage } from "../../api/errors";
import { useAuth } from "../../auth";
import { Empty, Loaded } from "../../components/States";
import { dateTime } from "../../lib/format";
import { useLoad } from "../../lib/useLoad";
import type { AccountOption } from "./accounts";
import { BalanceModal } from "./BalanceModal";
import { CreateUserModal } from "./CreateUserModal";
import { ShownOnceModal, type Secrets } from "./ShownOnce";

type UserRow = Schemas["UserRow"];
const PAGE_SIZE = 20;
const NO_NAMES: ReadonlySet<string> = new Set<string>();
type Action = "deactivate" | "activate" | "reset";

/** Users and their accounts: create, deactivate/activate, reset a password, adjust an account's balance. */
export function Users() {
  const { user: me } = useAuth();
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search.trim(), 300);
  const [page, setPage] = useState(1);
  useEffect(() => setPage(1), [debounced]);
  // searched and paged by the server
  const state = useLoad(
    async () =>
      unwrap(
        await api.GET("/api/admin/users", { params: { query: { search: debounced || undefined, page, pageSize: PAGE_SIZE } } }),
      ),
    [debounced, page],
  );
  const accountsState = useLoad(async () => unwrap(await api.GET("/api/admin/accounts")), []);
  const [creating, setCreating] = useState(false);
  const [confirming, setConfirming] = useState<{ user: UserRow; action: Action } | null>(null);
  const [adjusting, setAdjusting] = useState<{ accountId: number | null } | null>(null);
  const [secrets, setSecrets] = useState<Secrets | null>(null);
  const accounts: AccountOption[] = useMemo(
    () => (accountsState.data ?? []).map((a) => ({ id: a.id, name: a.name })).sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id),
    [accountsState.data],
  );

  return (
    <>
      <Group justify="space-between" align="flex-end" mb="sm">
        <TextInput
          label="Search users"
          placeholder="Username or account"
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          w={300}
        />
        <Group>
          <Button variant="default" onClick={() => setAdjusting({ accountId: null })} disabled={accounts.length === 0}>
            Adjust balance
          </Button>
          <Button onClick={() => setCreating(true)} disabled={state.data === undefined}>
            Add user
          </Button>
        </Group>
      </Group>
      <Loaded state={state}>
        {(data) => {
          const shown = data.items;
          if (shown.length === 0)
            return <Empty>{debounced ? `No user or account matches “${debounced}”.` : "No users yet."}</Empty>;
          return (
            <>
            <Table striped style={{ opacity: state.loading ? 0.6 : 1 }}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Username</Table.Th>
                  <Table.Th>Role</Table.Th>
                  <Table.Th>Account</Table.Th>
                  <Table.Th>Active</Table.Th>
                  <Table.Th>Locked</Table.Th>
                  <Table.Th>Created</Table.Th>
                  <Table.Th>Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {shown.map((u) => (
                  <Table.Tr key={u.id}>
                    <Table.Td>{u.username}</Table.Td>
                    <Table.Td>{u.role === "admin" ? "Admin" : "User"}</Table.Td>
                    <Table.Td>
                      {u.accountName}{" "}
                      <Text span size="xs" c="dimmed">
                        #{u.accountId}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Badge color={u.active ? "green" : "gray"} tt="none">{u.active ? "Active" : "Inactive"}</Badge>
                    </Table.Td>
                    <Table.Td>{u.locked ? <Badge color="red">Locked</Badge> : "No"}</Table.Td>
                    <Table.Td>{dateTime(u.createdAt)}</Table.Td>
                    <Table.Td>
                      <Group gap="xs" wrap="nowrap">
                        {u.active ? (
                          <Button
                            size="xs"
                            variant="light"
                            color="red"
                            aria-label={`Deactivate ${u.username}`}
                            disabled={u.id === me?.id}
                            title={u.id === me?.id ? "You cannot deactivate yourself" : undefined}
                            onClick={() => setConfirming({ user: u, action: "deactivate" })}
                          >
                            Deactivate
                          </Button>
                        ) : (
                          <Button size="xs" variant="light" color="green" aria-label={`Activate ${u.username}`} onClick={() => setConfirming({ user: u, action: "activate" })}>
                            Activate
                          </Button>
                        )}
                        <Button size="xs" variant="default" aria-label={`Reset password of ${u.username}`} onClick={() => setConfirming({ user: u, action: "reset" })}>
                          Reset password
                        </Button>
                        <Button size="xs" variant="default" aria-label={`Adjust balance of ${u.accountName}`} onClick={() => setAdjusting({ accountId: u.accountId })}>
                          Adjust balance
                        </Button>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Group justify="space-between" mt="sm">
              <Text size="sm" c="dimmed">
                {data.total} user(s)
              </Text>
              <Pagination total={Math.max(1, Math.ceil(data.total / PAGE_SIZE))} value={page} onChange={setPage} />
            </Group>
            </>
          );
        }}
      </Loaded>
      {creating && (
        <CreateUserModal
          accounts={accounts}
          takenUsernames={NO_NAMES}
          onClose={() => setCreating(false)}
          onCreated={(s) => {
            setCreating(false);
            setSecrets(s);
            state.reload();
            accountsState.reload();
          }}
        />
      )}
      {confirming && (
        <ConfirmModal
          user={confirming.user}
          action={confirming.action}
          onClose={() => setConfirming(null)}
          onDone={(password) => {
            const { user, action } = confirming;
            setConfirming(null);
            state.reload();
            if (password) setSecrets({ title: `Password reset for ${user.username}`, username: user.username, password });
            else notifications.show({ color: "green", message: `${user.username} ${action === "activate" ? "activated" : "deactivated"}` });
          }}
        />
      )}
      {adjusting && <BalanceModal accounts={accounts} accountId={adjusting.accountId} onClose={() => setAdjusting(null)} />}
      <ShownOnceModal secrets={secrets} onClose={() => setSecrets(null)} />
    </>
  );
}

const CONFIRM: Record<Action, { title: (u: string) => string; text: string; button: string; color: string }> = {
  deactivate: {
    title: (u) => `Deactivate ${u}?`,
    text: "They are logged out everywhere and can no longer log in until an administrator activates them again.",
    button: "Yes, deactivate",
    color: "red",
  },
  activate: {
    title: (u) => `Activate ${u}?`,
    text: "They can log in again with their current password.",
    button: "Yes, activate",
    color: "green",
  },
  reset: {
    title: (u) => `Reset the password of ${u}?`,
    text: "A new password is generated and shown to you once. Their current password stops working, they are logged out everywhere and a lock after failed logins is lifted.",
    button: "Yes, reset password",
    color: "orange",
  },
};

/** Asks before changing a user; `onDone` gets the new password after a reset. */
function ConfirmModal({ user, action, onClose, onDone }: { user: UserRow; action: Action; onClose: () => void; onDone: (password?: string) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const copy = CONFIRM[action];

  async function confirm() {
    setBusy(true);
    setError(null);
    const path = { params: { path: { user_id: user.id } } };
    try {
      if (action === "reset") {
        const out = unwrap(await api.POST("/api/admin/users/{user_id}/reset-password", path));
        onDone(out.password);
        return;
      }
      if (action === "deactivate") unwrap(await api.POST("/api/admin/users/{user_id}/deactivate", path));
      else unwrap(await api.POST("/api/admin/users/{user_id}/activate", path));
      onDone();
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  }

  return (
    <Modal opened onClose={onClose} title={copy.title(user.username)}>
      <Text size="sm">{copy.text}</Text>
      <ModalActions error={error} busy={busy} label={copy.button} color={copy.color} onCancel={onClose} onConfirm={confirm} />
    </Modal>
  );
}

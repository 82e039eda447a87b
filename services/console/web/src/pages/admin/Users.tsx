import { Badge, Button, Group, Modal, Text } from "@mantine/core";
import { ListPage, useListPage } from "../../components/ListPage";
import { ModalActions } from "../../components/ModalActions";
import { notifications } from "@mantine/notifications";
import { useMemo, useState } from "react";
import { api, unwrap, type Schemas } from "../../api/client";
import { errorMessage } from "../../api/errors";
import { useAuth } from "../../auth";
import { dateTime } from "../../lib/format";
import { useLoad } from "../../lib/useLoad";
import type { AccountOption } from "./accounts";
import { BalanceModal } from "./BalanceModal";
import { CreateUserModal } from "./CreateUserModal";
import { ShownOnceModal, type Secrets } from "./ShownOnce";
import { WhatsAppNumbersModal } from "./WhatsAppNumbers";

type UserRow = Schemas["UserRow"];
const NO_NAMES: ReadonlySet<string> = new Set<string>();
type Action = "deactivate" | "activate" | "reset";

/** Users and their accounts: create, deactivate/activate, reset a password, adjust an account's balance. */
export function Users() {
  const { user: me } = useAuth();
  // searched and paged by the server
  const list = useListPage({
    load: async ({ search, page, pageSize }) => unwrap(await api.GET("/api/admin/users", { params: { query: { search, page, pageSize } } })),
  });
  const accountsState = useLoad(async () => unwrap(await api.GET("/api/admin/accounts")), []);
  const [creating, setCreating] = useState(false);
  const [confirming, setConfirming] = useState<{ user: UserRow; action: Action } | null>(null);
  const [adjusting, setAdjusting] = useState<{ accountId: number | null } | null>(null);
  const [secrets, setSecrets] = useState<Secrets | null>(null);
  const [numbersOf, setNumbersOf] = useState<{ id: number; name: string } | null>(null);
  const accounts: AccountOption[] = useMemo(
    () => (accountsState.data ?? []).map((a) => ({ id: a.id, name: a.name })).sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id),
    [accountsState.data],
  );

  return (
    <>
      <ListPage
        list={list}
        search={{ label: "Search users", placeholder: "Username or account", w: 300 }}
        toolbarActions={
          <>
            <Button variant="default" onClick={() => setAdjusting({ accountId: null })} disabled={accounts.length === 0}>
              Adjust balance
            </Button>
            <Button onClick={() => setCreating(true)} disabled={list.data === undefined}>
              Add user
            </Button>
          </>
        }
        rowKey={(u) => u.id}
        empty={() => (list.applied.search ? `No user or account matches “${list.applied.search}”.` : "No users yet.")}
        count={(total) => `${total} user(s)`}
        columns={[
          { header: "Username", cell: (u) => u.username },
          { header: "Role", cell: (u) => (u.role === "admin" ? "Admin" : "User") },
          {
            header: "Account",
            cell: (u) => (
              <>
                {u.accountName}{" "}
                <Text span size="xs" c="dimmed">
                  #{u.accountId}
                </Text>
              </>
            ),
          },
          {
            header: "Active",
            cell: (u) => (
              <Badge color={u.active ? "green" : "gray"} tt="none">
                {u.active ? "Active" : "Inactive"}
              </Badge>
            ),
          },
          { header: "Locked", cell: (u) => (u.locked ? <Badge color="red">Locked</Badge> : "No") },
          { header: "Created", cell: (u) => dateTime(u.createdAt) },
          {
            header: "Actions",
            cell: (u) => (
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
                <Button size="xs" variant="default" aria-label={`WhatsApp numbers of ${u.accountName}`} onClick={() => setNumbersOf({ id: u.accountId, name: u.accountName })}>
                  WhatsApp numbers
                </Button>
              </Group>
            ),
          },
        ]}
      />
      {creating && (
        <CreateUserModal
          accounts={accounts}
          takenUsernames={NO_NAMES}
          onClose={() => setCreating(false)}
          onCreated={(s) => {
            setCreating(false);
            setSecrets(s);
            list.reload();
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
            list.reload();
            if (password) setSecrets({ title: `Password reset for ${user.username}`, username: user.username, password });
            else notifications.show({ color: "green", message: `${user.username} ${action === "activate" ? "activated" : "deactivated"}` });
          }}
        />
      )}
      {adjusting && <BalanceModal accounts={accounts} accountId={adjusting.accountId} onClose={() => setAdjusting(null)} />}
      <ShownOnceModal secrets={secrets} onClose={() => setSecrets(null)} />
      {numbersOf && <WhatsAppNumbersModal accountId={numbersOf.id} accountName={numbersOf.name} onClose={() => setNumbersOf(null)} />}
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

import { Group, Modal, NativeSelect, PasswordInput, Radio, Stack, TextInput } from "@mantine/core";
import { ModalActions } from "../../components/ModalActions";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { fieldErrors } from "../../api/errors";
import { TimeZoneSelect } from "../../components/TimeZoneSelect";
import { DEFAULT_TIME_ZONE } from "../../lib/timeZones";
import { AccountSelect } from "./AccountSelect";
import type { AccountOption } from "./accounts";
import type { Secrets } from "./ShownOnce";

const FIELDS = ["username", "role", "password", "accountId", "accountName", "timeZone"] as const;

/** The form is mounted afresh each time it opens (see Users), so it always starts empty. */
export function CreateUserModal({
  accounts,
  takenUsernames,
  onClose,
  onCreated,
}: {
  accounts: AccountOption[];
  takenUsernames: ReadonlySet<string>;
  onClose: () => void;
  onCreated: (secrets: Secrets) => void;
}) {
  const [username, setUsername] = useState("");
  const [role, setRole] = useState<"user" | "admin">("user");
  const [mode, setMode] = useState<"existing" | "new">(accounts.length ? "existing" : "new");
  const [accountId, setAccountId] = useState("");
  const [accountName, setAccountName] = useState("");
  const [timeZone, setTimeZone] = useState(DEFAULT_TIME_ZONE);
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  function localErrors(): Record<string, string> {
    const found: Record<string, string> = {};
    if (!username.trim()) found.username = "enter a username";
    // checked here too: the API would otherwise create the new account before refusing the username
    else if (takenUsernames.has(username.trim())) found.username = "this username is taken";
    if (mode === "existing" && !accountId) found.accountId = "choose an account";
    if (mode === "new" && !accountName.trim()) found.accountName = "enter a name for the new account";
    return found;
  }

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    const local = localErrors();
    setErrors(local);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      const out = unwrap(
        await api.POST("/api/admin/users", {
          body: {
            username: username.trim(),
            role,
            password: password || null,
            accountId: mode === "existing" ? Number(accountId) : null,
            accountName: mode === "new" ? accountName.trim() : null,
            timeZone: mode === "new" ? timeZone : null,
          },
        }),
      );
      onCreated({ title: `User ${username.trim()} created`, username: username.trim(), password: out.password, apiKey: out.apiKey, webhookSecret: out.webhookSecret });
    } catch (err) {
      const found = fieldErrors(err, FIELDS);
      // an error on the account field that is not shown goes to the form
      if ((found.accountId && mode !== "existing") || (found.accountName && mode !== "new")) {
        setErrors({ _form: found.accountId ?? found.accountName });
      } else setErrors(found);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened onClose={onClose} title="Create user" size="lg">
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput
            label="Username"
            description="3-64 letters, digits or _ . @ -"
            value={username}
            onChange={(e) => setUsername(e.currentTarget.value)}
            error={errors.username}
            withAsterisk
            aria-required
            data-autofocus
          />
          <NativeSelect
            label="Role"
            data={[
              { value: "user", label: "User" },
              { value: "admin", label: "Admin" },
            ]}
            value={role}
            onChange={(e) => setRole(e.currentTarget.value === "admin" ? "admin" : "user")}
            error={errors.role}
          />
          <Radio.Group label="Account for the user" value={mode} onChange={(v) => setMode(v === "new" ? "new" : "existing")}>
            <Group mt="xs">
              <Radio value="existing" label="Existing account" disabled={accounts.length === 0} />
              <Radio value="new" label="New account" />
            </Group>
          </Radio.Group>
          {mode === "existing" ? (
            <AccountSelect label="Choose account" accounts={accounts} value={accountId} onChange={setAccountId} error={errors.accountId} />
          ) : (
            <TextInput
              label="New account name"
              description="The new account gets its own API key, shown once after creating"
              value={accountName}
              onChange={(e) => setAccountName(e.currentTarget.value)}
              error={errors.accountName}
              withAsterisk
              aria-required
            />
          )}
          {mode === "new" && (
            <TimeZoneSelect
              label="Account time zone"
              description="Its users see dates, “today” and report filters in it; they can change it in Settings"
              value={timeZone}
              onChange={setTimeZone}
              error={errors.timeZone}
            />
          )}
          <PasswordInput
            label="Password (optional)"
            description="At least 8 characters; leave blank to generate one"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={errors.password}
            autoComplete="new-password"
          />
          <ModalActions error={errors._form} busy={busy} label="Create user" onCancel={onClose} />
        </Stack>
      </form>
    </Modal>
  );
}

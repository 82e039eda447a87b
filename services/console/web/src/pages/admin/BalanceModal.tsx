import { Modal, Stack, Textarea, TextInput } from "@mantine/core";
import { ModalActions } from "../../components/ModalActions";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { fieldErrors } from "../../api/errors";
import { money } from "../../lib/format";
import { parseRupees, rupees } from "../../lib/money";
import { AccountSelect } from "./AccountSelect";
import type { AccountOption } from "./accounts";

const MAX_REASON_CHARS = 500;

/** Credits (positive amount) or debits (negative) an account's prepaid balance, with a reason for its
 * transaction log. Mounted afresh each time it opens (see Users). */
export function BalanceModal({ accounts, accountId: preset, onClose }: { accounts: AccountOption[]; accountId: number | null; onClose: () => void }) {
  const [accountId, setAccountId] = useState(preset === null ? "" : String(preset));
  const [amount, setAmount] = useState("");
  const [submitKey] = useState(() => crypto.randomUUID());
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const parsed = parseRupees(amount);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    const local: Record<string, string> = {};
    if (!accountId) local.accountId = "choose an account";
    if (!parsed.ok) local.amount = parsed.error;
    if (!reason.trim()) local.reason = "a balance adjustment needs a reason";
    setErrors(local);
    if (Object.keys(local).length || !parsed.ok) return;
    const account = accounts.find((a) => String(a.id) === accountId);
    setBusy(true);
    try {
      const entry = unwrap(
        await api.POST("/api/admin/accounts/{account_id}/balance-adjustments", {
          // one key per form: a retried request credits once
          params: { path: { account_id: Number(accountId) }, header: { "idempotency-key": submitKey } },
          body: { amountMinor: parsed.minor, reason: reason.trim() },
        }),
      );
      const after = entry.balanceAfterMinor;
      const currency = entry.currency;
      notifications.show({
        color: "green",
        title: "Balance adjusted",
        message:
          `${parsed.minor > 0 ? "Credited" : "Debited"} ${rupees(parsed.minor)} ${parsed.minor > 0 ? "to" : "from"} ${account?.name ?? `account #${accountId}`}` +
          (after === null ? "." : `; new balance ${money(after, currency)}.`),
      });
      onClose();
    } catch (err) {
      const found = fieldErrors(err, ["accountId", "account_id", "amountMinor", "reason"]);
      setErrors({
        accountId: found.accountId ?? found.account_id,
        amount: found.amountMinor,
        reason: found.reason,
        _form: found._form,
      });
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened onClose={onClose} title="Adjust balance" size="lg">
      <form onSubmit={submit} noValidate>
        <Stack>
          <AccountSelect label="Account" accounts={accounts} value={accountId} onChange={setAccountId} error={errors.accountId} />
          <TextInput
            label="Amount (₹)"
            description={
              parsed.ok
                ? `${parsed.minor > 0 ? "Credit" : "Debit"} of ${rupees(parsed.minor)} (${Math.abs(parsed.minor)} paise)`
                : "In rupees, up to 2 decimals: positive credits the account, negative (e.g. -100.50) debits it"
            }
            inputMode="decimal"
            placeholder="500.00"
            value={amount}
            onChange={(e) => setAmount(e.currentTarget.value)}
            error={errors.amount}
            withAsterisk
            aria-required
            data-autofocus
          />
          <Textarea
            label="Reason"
            description="Recorded in the account's transaction log"
            autosize
            minRows={2}
            maxLength={MAX_REASON_CHARS}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            error={errors.reason}
            withAsterisk
            aria-required
          />
          <ModalActions error={errors._form} busy={busy} label="Apply adjustment" onCancel={onClose} />
        </Stack>
      </form>
    </Modal>
  );
}

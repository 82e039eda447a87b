import { NativeSelect } from "@mantine/core";
import { accountLabel, type AccountOption } from "./accounts";

/** A required choice of one account, by "Name (#id)", starting on "Choose an account…". */
export function AccountSelect({
  label,
  accounts,
  value,
  onChange,
  error,
}: {
  label: string;
  accounts: AccountOption[];
  value: string;
  onChange: (accountId: string) => void;
  error?: string;
}) {
  return (
    <NativeSelect
      label={label}
      data={[{ value: "", label: "Choose an account…" }, ...accounts.map((a) => ({ value: String(a.id), label: accountLabel(a) }))]}
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
      error={error}
      withAsterisk
      aria-required
    />
  );
}

export interface AccountOption {
  id: number;
  name: string;
}

/** "Acme (#3)": account names need not be unique, ids are. */
export function accountLabel(a: AccountOption): string {
  return `${a.name} (#${a.id})`;
}

import { Select } from "@mantine/core";
import { useMemo } from "react";
import { timeZoneOptions } from "../lib/timeZones";

/** A searchable choice of IANA time zone (Asia/Kolkata, Europe/London, UTC...). */
export function TimeZoneSelect({
  label,
  description,
  value,
  onChange,
  error,
}: {
  label: string;
  description?: string;
  value: string;
  onChange: (zone: string) => void;
  error?: string | null;
}) {
  const data = useMemo(() => timeZoneOptions(value), [value]);
  return (
    <Select
      label={label}
      description={description}
      searchable
      data={data}
      value={value}
      onChange={(v) => v && onChange(v)}
      error={error}
      nothingFoundMessage="No such time zone"
      maxDropdownHeight={280}
      allowDeselect={false}
    />
  );
}

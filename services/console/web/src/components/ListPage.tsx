// The one list page: a title (with its actions), what comes above the list (a request form), the
// search box and filters, the table with typed columns, the count and the pager, and the loading,
// empty and error states. The state lives in useListPage, which the page owns (to reload after a
// change, or to read the applied filters for a CSV link); the logic is lib/paging.ts.
import { Group, Pagination, Table, Text, TextInput, Title, type TableProps, type TableTdProps, type TableThProps } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useEffect, useMemo, useState } from "react";
import {
  applyFilters,
  isFiltered,
  listView,
  pageAfterLoad,
  pageCount,
  pagingFor,
  queryKey,
  type Applied,
  type Filters,
  type Paging,
  type PageOf,
} from "../lib/paging";
import { useLoad } from "../lib/useLoad";
import { Empty, ErrorState, Loading } from "./States";

export const PAGE_SIZE = 20;
const DEBOUNCE_MS = 300;

export interface ListQuery<F extends Filters> extends Applied<F> {
  page: number;
  pageSize: number;
}

export interface ListPageState<P extends PageOf<unknown>, F extends Filters> {
  /** What is typed in the search box (applied after a pause). */
  search: string;
  setSearch: (value: string) => void;
  /** The filter controls' values as set. */
  filters: F;
  setFilter: <K extends keyof F>(key: K, value: F[K]) => void;
  /** The search and filters the shown page was asked with. */
  applied: Applied<F>;
  filtered: boolean;
  page: number;
  setPage: (page: number) => void;
  pageSize: number;
  data: P | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
  /** Load the shown page again without dimming it (a poll). */
  refresh: () => void;
}

/** A server-paged list: `load` runs for each page, search (debounced) and filter change; a new
 * search or filter starts from page 1; a page emptied beyond the last one steps back. */
export function useListPage<P extends PageOf<unknown>, F extends Filters = Record<never, never>>(options: {
  load: (query: ListQuery<F>) => Promise<P>;
  filters?: F;
  /** Filters typed key by key (free text): applied after a pause, like the search. */
  debounce?: readonly (keyof F)[];
  pageSize?: number;
}): ListPageState<P, F> {
  const pageSize = options.pageSize ?? PAGE_SIZE;
  const debounced = options.debounce ?? [];
  const [search, setSearch] = useState("");
  const [filters, setFilters] = useState<F>(() => options.filters ?? ({} as F));
  const slow = JSON.stringify({
    search,
    filters: Object.fromEntries(debounced.map((k) => [k, filters[k]])),
  });
  const [slowApplied] = useDebouncedValue(slow, DEBOUNCE_MS);
  const applied = useMemo(
    () => applyFilters(search, filters, debounced, JSON.parse(slowApplied) as { search: string; filters: Partial<F> }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [slowApplied, filters],
  );
  const key = queryKey(applied);
  const [chosen, setPaging] = useState<Paging>({ key, page: 1 });
  const paging = pagingFor(chosen, key);
  if (paging !== chosen) setPaging(paging); // a new query: page 1, in this very render
  const page = paging.page;
  const state = useLoad(() => options.load({ ...applied, page, pageSize }), [key, page]);

  useEffect(() => {
    if (state.loading || !state.data) return;
    const back = pageAfterLoad(page, state.data, pageSize);
    if (back !== null) setPaging({ key, page: back });
  }, [state.loading, state.data, page, pageSize, key]);

  return {
    search,
    setSearch,
    filters,
    setFilter: (k, value) => setFilters((f) => ({ ...f, [k]: value })),
    applied,
    filtered: isFiltered(applied),
    page,
    setPage: (p) => setPaging({ key, page: p }),
    pageSize,
    data: state.data,
    error: state.error,
    loading: state.loading,
    reload: state.reload,
    refresh: state.refresh,
  };
}

export interface Column<T> {
  /** The header ("" for a column of actions without one). */
  header: React.ReactNode;
  cell: (row: T) => React.ReactNode;
  th?: TableThProps;
  td?: TableTdProps;
}

export function ListPage<P extends PageOf<unknown>, F extends Filters>({
  list,
  title,
  actions,
  above,
  search,
  filters,
  filtersFirst,
  toolbarActions,
  aboveTable,
  columns,
  rowKey,
  onRowClick,
  empty,
  count,
  table,
  maw,
}: {
  list: ListPageState<P, F>;
  /** The page heading (the sidebar's name); none inside a tab. */
  title?: string;
  /** Beside the heading (e.g. "Create template"). */
  actions?: React.ReactNode;
  /** Between the heading and the search (e.g. a request form). */
  above?: React.ReactNode;
  search?: { label: string; placeholder?: string; maxLength?: number; w?: number };
  /** The filter controls, bound to `list.filters` / `list.setFilter`. */
  filters?: React.ReactNode;
  /** Put the filters before the search box. */
  filtersFirst?: boolean;
  /** At the right end of the search row (e.g. "Add user"). */
  toolbarActions?: React.ReactNode;
  /** Above the table once loaded, also when the list is empty (e.g. the balance card). */
  aboveTable?: (data: P) => React.ReactNode;
  columns: Column<P["items"][number]>[];
  rowKey: (row: P["items"][number]) => React.Key;
  onRowClick?: (row: P["items"][number]) => void;
  /** The empty list's text: `filtered` when a search or filter narrows it. */
  empty: (filtered: boolean) => React.ReactNode;
  /** The count under the table, e.g. (12) => "12 template(s)". */
  count: (total: number) => string;
  table?: Omit<TableProps, "children">;
  /** Width limit of the table and its footer. */
  maw?: number;
}) {
  const view = listView(list);
  const searchBox = search && (
    <TextInput
      label={search.label}
      placeholder={search.placeholder}
      maxLength={search.maxLength}
      value={list.search}
      onChange={(e) => list.setSearch(e.currentTarget.value)}
      w={search.w ?? 280}
    />
  );
  const toolbar = (searchBox || filters || toolbarActions) && (
    <Group justify={toolbarActions ? "space-between" : undefined} align="flex-end" mb="sm">
      <Group align="flex-end">
        {filtersFirst ? filters : searchBox}
        {filtersFirst ? searchBox : filters}
      </Group>
      {toolbarActions && <Group>{toolbarActions}</Group>}
    </Group>
  );
  return (
    <>
      {title &&
        (actions ? (
          <Group justify="space-between" mb="md">
            <Title order={2}>{title}</Title>
            <Group>{actions}</Group>
          </Group>
        ) : (
          <Title order={2} mb="md">
            {title}
          </Title>
        ))}
      {above}
      {toolbar}
      {view === "error" && <ErrorState error={list.error} onRetry={list.reload} />}
      {view === "loading" && <Loading />}
      {list.data && view !== "error" && view !== "loading" && aboveTable?.(list.data)}
      {view === "empty" && <Empty>{empty(list.filtered)}</Empty>}
      {view === "table" && list.data && (
        <>
          <Table striped maw={maw} {...table} style={{ opacity: list.loading ? 0.6 : 1 }}>
            <Table.Thead>
              <Table.Tr>
                {columns.map((c, i) => (
                  <Table.Th key={i} {...c.th}>
                    {c.header}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.items.map((row) => (
                <Table.Tr
                  key={rowKey(row)}
                  style={onRowClick ? { cursor: "pointer" } : undefined}
                  onClick={onRowClick ? () => onRowClick(row) : undefined}
                >
                  {columns.map((c, i) => (
                    <Table.Td key={i} {...c.td}>
                      {c.cell(row)}
                    </Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Group justify="space-between" mt="sm" maw={maw}>
            <Text size="sm" c="dimmed">
              {count(list.data.total)}
            </Text>
            <Pagination total={pageCount(list.data.total, list.pageSize)} value={list.page} onChange={list.setPage} />
          </Group>
        </>
      )}
    </>
  );
}

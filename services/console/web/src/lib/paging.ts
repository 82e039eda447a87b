// The logic of a paged, searched and filtered list (components/ListPage.tsx), without React.

/** One page of a list as every paged API answers it. */
export interface PageOf<T> {
  items: T[];
  total: number;
}

export type FilterValue = string | number | boolean | null;
export type Filters = Record<string, FilterValue>;

/** The search and filters a load is made with (`undefined`: no search). */
export interface Applied<F extends Filters> {
  search: string | undefined;
  filters: F;
}

/** How many pages `total` items fill; an empty list still has its one (empty) page. */
export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize));
}

export interface Paging {
  /** The queryKey of the search and filters the page was chosen for. */
  key: string;
  page: number;
}

/** The paging for the query `key`: the same while the query stays, else page 1 of the new query
 * (also when an earlier query comes back: clearing a search starts from page 1, as any change does).
 * Applied in the render that sees the new query, so no load of page N of the new results goes out. */
export function pagingFor(paging: Paging, key: string): Paging {
  return paging.key === key ? paging : { key, page: 1 };
}

/** The page to step back to when the shown page came back empty beyond the last one (its last
 * items were deleted or decided elsewhere), or null when the page is fine. */
export function pageAfterLoad(page: number, loaded: PageOf<unknown>, pageSize: number): number | null {
  const last = pageCount(loaded.total, pageSize);
  return loaded.items.length === 0 && page > last ? last : null;
}

/** A value as the filter applies it: trimmed text, "" as none. */
function cleaned(value: FilterValue): FilterValue {
  if (typeof value !== "string") return value;
  const trimmed = value.trim();
  return trimmed === "" ? null : trimmed;
}

/** The search and filters to load with: typed ones at once, the `debounced` ones (text typed
 * key by key) as they were `debouncedValues`; text trimmed, empty text as none. */
export function applyFilters<F extends Filters>(
  search: string,
  filters: F,
  debounced: readonly (keyof F)[],
  debouncedValues: { search: string; filters: Partial<F> },
): Applied<F> {
  const out = {} as F;
  for (const key of Object.keys(filters) as (keyof F)[]) {
    const value = debounced.includes(key) ? (debouncedValues.filters[key] ?? null) : filters[key];
    out[key] = cleaned(value as FilterValue) as F[keyof F];
  }
  const s = debouncedValues.search.trim();
  return { search: s === "" ? undefined : s, filters: out };
}

/** Whether anything narrows the list (an empty list then says "no match", not "none yet"). */
export function isFiltered(applied: Applied<Filters>): boolean {
  return applied.search !== undefined || Object.values(applied.filters).some((v) => v !== null && v !== false);
}

/** A stable key of the applied search and filters: a change of it is a new query. */
export function queryKey(applied: Applied<Filters>): string {
  const keys = Object.keys(applied.filters).sort();
  return JSON.stringify([applied.search ?? null, keys.map((k) => [k, applied.filters[k]])]);
}

export type ListView = "error" | "loading" | "empty" | "table";

/** What a list shows: the error (with Retry), the first load's spinner, its empty text, or the
 * table (dimmed while a reload runs: the last data stays until the next arrives). */
export function listView(state: { data: PageOf<unknown> | undefined; error: unknown }): ListView {
  if (state.error) return "error";
  if (state.data === undefined) return "loading";
  return state.data.items.length === 0 ? "empty" : "table";
}

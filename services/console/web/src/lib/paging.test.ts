import { describe, expect, it } from "vitest";
import { applyFilters, isFiltered, listView, pageAfterLoad, pageCount, pagingFor, queryKey, type Paging } from "./paging";

const page = (n: number, total: number) => ({ items: Array.from({ length: n }, (_, i) => i), total });

describe("pageCount", () => {
  it("counts full and partial pages, and one page for an empty list", () => {
    expect(pageCount(0, 20)).toBe(1);
    expect(pageCount(1, 20)).toBe(1);
    expect(pageCount(20, 20)).toBe(1);
    expect(pageCount(21, 20)).toBe(2);
    expect(pageCount(95, 20)).toBe(5);
  });
});

describe("pagingFor", () => {
  it("keeps the chosen page while the query is the same and starts a new query on page 1", () => {
    const chosen: Paging = { key: "a", page: 3 };
    expect(pagingFor(chosen, "a")).toBe(chosen);
    expect(pagingFor(chosen, "b")).toEqual({ key: "b", page: 1 });
  });
  it("starts from page 1 when an earlier query comes back (a search typed, then cleared)", () => {
    let paging: Paging = { key: "all", page: 1 };
    paging = { ...paging, page: 2 }; // the user goes to page 2
    paging = pagingFor(paging, "search:x"); // types a search
    expect(paging.page).toBe(1);
    paging = pagingFor(paging, "all"); // clears it
    expect(paging).toEqual({ key: "all", page: 1 });
  });
});

describe("pageAfterLoad", () => {
  it("steps back to the last page when the shown one came back empty beyond it", () => {
    // 41 items on 3 pages; the one item of page 3 was approved elsewhere: 40 left, page 3 is empty
    expect(pageAfterLoad(3, page(0, 40), 20)).toBe(2);
    // everything went: back to page 1
    expect(pageAfterLoad(4, page(0, 0), 20)).toBe(1);
  });
  it("leaves a page with items, and page 1 of an empty list, alone", () => {
    expect(pageAfterLoad(2, page(20, 40), 20)).toBeNull();
    expect(pageAfterLoad(1, page(0, 0), 20)).toBeNull();
    expect(pageAfterLoad(3, page(1, 41), 20)).toBeNull();
  });
});

describe("applyFilters", () => {
  it("applies typed filters at once and debounced ones as they were, trimmed, empty as none", () => {
    const filters = { channel: "SMS", status: null, recipient: "+9198", campaign: "" };
    const applied = applyFilters("  otp ", filters, ["recipient", "campaign"], {
      search: "  ot",
      filters: { recipient: " +91 ", campaign: "  " },
    });
    expect(applied).toEqual({ search: "ot", filters: { channel: "SMS", status: null, recipient: "+91", campaign: null } });
  });
  it("takes no search when the box is blank", () => {
    expect(applyFilters("", {}, [], { search: "   ", filters: {} }).search).toBeUndefined();
  });
});

describe("isFiltered and queryKey", () => {
  it("knows whether anything narrows the list", () => {
    expect(isFiltered({ search: undefined, filters: { status: null } })).toBe(false);
    expect(isFiltered({ search: "x", filters: {} })).toBe(true);
    expect(isFiltered({ search: undefined, filters: { status: "PENDING" } })).toBe(true);
  });
  it("gives the same key for the same query, whatever the filters' order", () => {
    const a = queryKey({ search: "x", filters: { channel: "SMS", status: null } });
    expect(queryKey({ search: "x", filters: { status: null, channel: "SMS" } })).toBe(a);
    expect(queryKey({ search: "y", filters: { channel: "SMS", status: null } })).not.toBe(a);
    expect(queryKey({ search: "x", filters: { channel: "RCS", status: null } })).not.toBe(a);
    expect(queryKey({ search: undefined, filters: {} })).not.toBe(queryKey({ search: "null", filters: {} }));
  });
});

describe("listView: the states a list goes through", () => {
  it("loading -> table -> reloading keeps the table -> error -> retry -> empty", () => {
    expect(listView({ data: undefined, error: null })).toBe("loading");
    const loaded = page(3, 3);
    expect(listView({ data: loaded, error: null })).toBe("table");
    // a reload (next page, new filter) keeps the last data on screen until the next arrives
    expect(listView({ data: loaded, error: null })).toBe("table");
    expect(listView({ data: loaded, error: new Error("down") })).toBe("error");
    expect(listView({ data: undefined, error: new Error("down") })).toBe("error");
    expect(listView({ data: page(0, 0), error: null })).toBe("empty");
  });
});

import { describe, expect, it } from "vitest";
import type { Lineage, LineageNode } from "../api/types";
import { branchFamily, flatten, lineageTree } from "./lineage";

const node = (
  id: string,
  parent: string | null,
  forkStep: number | null,
  minute: number,
  params = {},
): LineageNode => ({
  id,
  parent_id: parent,
  fork_step: forkStep,
  status: "succeeded",
  created_at: `2026-01-01T10:${String(minute).padStart(2, "0")}:00Z`,
  params: { lr: 0.1, epochs: 3, hidden: [8], ...params },
});

// root ── b (after 21, lr 0.5) ── d (after 42, epochs 9)
//      └─ c (after 10, lr 0.01)
const family: Lineage = {
  root_id: "root",
  nodes: [
    node("root", null, null, 0),
    node("c", "root", 10, 2, { lr: 0.01 }),
    node("b", "root", 21, 1, { lr: 0.5, epochs: 6 }),
    node("d", "b", 42, 3, { lr: 0.5, epochs: 9 }),
  ],
};

describe("lineageTree", () => {
  it("nests forks under their parents, oldest first, one generation deeper each", () => {
    const rows = flatten(lineageTree(family)).map((b) => [b.node.id, b.depth]);
    expect(rows).toEqual([
      ["root", 0],
      ["b", 1],
      ["d", 2],
      ["c", 1],
    ]);
  });

  it("names the params in which each fork differs from its parent", () => {
    const byId = new Map(flatten(lineageTree(family)).map((b) => [b.node.id, b.changes]));
    expect(byId.get("root")).toEqual([]);
    expect(byId.get("b")).toEqual(["lr 0.5", "epochs 6"]);
    expect(byId.get("d")).toEqual(["epochs 9"]);
    expect(byId.get("c")).toEqual(["lr 0.01"]);
  });

  it("keeps a fork whose parent is gone as a root of its own, marked", () => {
    const orphaned: Lineage = { root_id: "b", nodes: [node("b", "gone", 21, 1), node("d", "b", 42, 3)] };
    const [root] = lineageTree(orphaned);
    expect([root.node.id, root.orphan, root.depth, root.children.map((c) => c.node.id)]).toEqual([
      "b",
      true,
      0,
      ["d"],
    ]);
  });

  it("puts the root first and never loops on a bad parent link", () => {
    const odd: Lineage = {
      root_id: "r",
      nodes: [node("x", "x", 1, 0), node("r", null, null, 5)],
    };
    expect(flatten(lineageTree(odd)).map((b) => b.node.id)).toEqual(["r", "x"]);
  });
});

describe("branchFamily", () => {
  it("is a run and its forks when it has some", () => {
    expect(branchFamily(family, "root", 4)).toEqual(["root", "b", "c"]);
    expect(branchFamily(family, "b", 4)).toEqual(["b", "d"]);
  });

  it("is the parent and its forks for a fork without forks of its own", () => {
    expect(branchFamily(family, "c", 4)).toEqual(["root", "b", "c"]);
    expect(branchFamily(family, "d", 4)).toEqual(["b", "d"]);
  });

  it("keeps the run asked for when there are more branches than fit", () => {
    expect(branchFamily(family, "c", 2)).toEqual(["root", "c"]);
    expect(branchFamily(family, "nobody", 4)).toEqual([]);
  });
});

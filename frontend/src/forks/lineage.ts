/** A run's family of forks as a tree: who branched from whom, after which step, with what changed. Pure. */

import type { Lineage, LineageNode } from "../api/types";
import { describePath, differingPaths, formatValue, valueAt } from "../run/paramDiff";

export interface LineageBranch {
  node: LineageNode;
  /** 0 for a run that is not a fork (or whose parent is gone), 1 for its forks... */
  depth: number;
  /** "lr 0.5": the params in which it differs from its parent (none for a root). */
  changes: string[];
  /** A fork whose parent is not in the family any more (deleted, or not visible). */
  orphan: boolean;
  children: LineageBranch[];
}

const byAge = (a: LineageNode, b: LineageNode) =>
  a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id);

/** The family as trees: `root_id`'s first, then any fork whose parent is gone; forks oldest first. */
export function lineageTree(lineage: Lineage): LineageBranch[] {
  const byId = new Map(lineage.nodes.map((node) => [node.id, node]));
  const children = new Map<string, LineageNode[]>();
  const roots: LineageNode[] = [];
  for (const node of lineage.nodes) {
    const parent = node.parent_id !== null ? byId.get(node.parent_id) : undefined;
    if (parent && parent.id !== node.id) children.set(parent.id, [...(children.get(parent.id) ?? []), node]);
    else roots.push(node);
  }
  roots.sort((a, b) => Number(b.id === lineage.root_id) - Number(a.id === lineage.root_id) || byAge(a, b));
  const seen = new Set<string>();
  const grow = (node: LineageNode, depth: number, parent: LineageNode | null): LineageBranch => {
    seen.add(node.id);
    return {
      node,
      depth,
      changes: parent ? changesFrom(parent, node) : [],
      orphan: parent === null && node.parent_id !== null,
      children: (children.get(node.id) ?? [])
        .filter((child) => !seen.has(child.id))
        .sort(byAge)
        .map((child) => grow(child, depth + 1, node)),
    };
  };
  return roots.filter((root) => !seen.has(root.id)).map((root) => grow(root, 0, null));
}

/** Every branch of the trees, parents before their forks. */
export function flatten(branches: readonly LineageBranch[]): LineageBranch[] {
  return branches.flatMap((branch) => [branch, ...flatten(branch.children)]);
}

function changesFrom(parent: LineageNode, node: LineageNode): string[] {
  return differingPaths([parent.params, node.params]).map(
    (path) => `${describePath(node.params, path)} ${formatValue(valueAt(node.params, path))}`,
  );
}

/**
 * The runs "Compare branches" shows for `jobId`: the run and its forks when it has any, else
 * its parent and the parent's forks (it among them); at most `max`, `jobId` always in.
 */
export function branchFamily(lineage: Lineage, jobId: string, max: number): string[] {
  const node = lineage.nodes.find((n) => n.id === jobId);
  if (!node) return [];
  const forksOf = (id: string) =>
    lineage.nodes
      .filter((n) => n.parent_id === id && n.id !== id)
      .sort(byAge)
      .map((n) => n.id);
  const own = forksOf(jobId);
  const parentThere = node.parent_id !== null && lineage.nodes.some((n) => n.id === node.parent_id);
  const family =
    own.length || !parentThere ? [jobId, ...own] : [node.parent_id!, ...forksOf(node.parent_id!)];
  if (family.length <= max) return family;
  const kept = family.slice(0, max);
  return kept.includes(jobId) ? kept : [...kept.slice(0, max - 1), jobId];
}

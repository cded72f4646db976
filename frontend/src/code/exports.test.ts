import { describe, expect, it } from "vitest";
import { exportOffer, notebookPath, scriptPath, whyNotOffered } from "./exports";

describe("exportOffer", () => {
  it("offers the script and the notebook of a run that succeeded", () => {
    expect(exportOffer({ id: "ab12", parent_id: null }, "succeeded")).toEqual({
      kind: "offered",
      script: "/api/jobs/ab12/code",
      notebook: "/api/jobs/ab12/notebook",
    });
  });

  it("sends a fork's reader to the run it came from, whatever its state", () => {
    for (const status of ["running", "succeeded"] as const) {
      const offer = exportOffer({ id: "f1", parent_id: "p0" }, status);
      expect(offer).toEqual({ kind: "fork", parentId: "p0" });
      if (offer.kind !== "offered") expect(whyNotOffered(offer)).toContain("export the run it came from");
    }
  });

  it("waits for a run to finish, and says why one that ended otherwise is not offered", () => {
    for (const status of ["queued", "running"] as const) {
      const offer = exportOffer({ id: "a" }, status);
      expect(offer).toEqual({ kind: "unfinished" });
      if (offer.kind !== "offered") expect(whyNotOffered(offer)).toContain("when it finishes");
    }
    const said = (["failed", "cancelled", "diverged"] as const).map((status) => {
      const offer = exportOffer({ id: "a" }, status);
      return offer.kind === "offered" ? "" : whyNotOffered(offer);
    });
    expect(said).toEqual([
      "Only a run that finished can be exported as code; this one failed.",
      "Only a run that finished can be exported as code; this one was stopped before its end.",
      "Only a run that finished can be exported as code; this one diverged.",
    ]);
  });

  it("escapes the job's id in the paths", () => {
    expect(scriptPath("a/b")).toBe("/api/jobs/a%2Fb/code");
    expect(notebookPath("a b")).toBe("/api/jobs/a%20b/notebook");
  });
});

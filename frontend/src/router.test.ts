import { describe, expect, it } from "vitest";
import { parseRoute } from "./router";

describe("parseRoute", () => {
  it("reads the pages of the lab", () => {
    expect(parseRoute("/", "")).toEqual({ page: "catalogue" });
    expect(parseRoute("/demos/gradient-descent", "?params=x")).toEqual({
      page: "demo",
      demoId: "gradient-descent",
      search: "?params=x",
    });
    expect(parseRoute("/jobs/abc", "")).toEqual({ page: "job", jobId: "abc" });
  });

  it("reads the pages of classroom mode", () => {
    expect(parseRoute("/join/K7QP2MXD", "")).toEqual({ page: "join", code: "K7QP2MXD", next: null });
    expect(parseRoute("/join", "")).toEqual({ page: "join", code: "", next: null });
    expect(parseRoute("/sign-in", "?next=%2Fclasses")).toEqual({ page: "sign-in", next: "/classes" });
    expect(parseRoute("/classes", "")).toEqual({ page: "classes" });
    expect(parseRoute("/classes/c1", "")).toEqual({ page: "class", classId: "c1" });
    expect(parseRoute("/classes/c1/grid", "?demo=mlp")).toEqual({
      page: "class-grid",
      classId: "c1",
      demoId: "mlp",
    });
    expect(parseRoute("/classes/c1/grid", "")).toEqual({ page: "class-grid", classId: "c1", demoId: null });
    expect(parseRoute("/tokens", "")).toEqual({ page: "tokens" });
  });

  it("takes anything else, even a stray %, for a page not found", () => {
    expect(parseRoute("/join/a/b", "")).toEqual({ page: "not-found", path: "/join/a/b" });
    expect(parseRoute("/jobs/%E0%A4%A", "")).toEqual({ page: "job", jobId: "%E0%A4%A" });
  });
});

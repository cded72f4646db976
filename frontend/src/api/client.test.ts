import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiClient, errorOfBody } from "./client";

describe("ApiClient", () => {
  it("serves API paths (a demo's preview, a run's files) from the API it talks to", () => {
    expect(new ApiClient("").url("/api/demos/edge-kernel/preview.svg")).toBe(
      "/api/demos/edge-kernel/preview.svg",
    );
    const remote = new ApiClient("https://lab.example.org");
    expect(remote.url("/api/demos/edge-kernel/preview.svg")).toBe(
      "https://lab.example.org/api/demos/edge-kernel/preview.svg",
    );
    expect(remote.url("https://cdn.example.org/p.svg")).toBe("https://cdn.example.org/p.svg");
  });

  describe("demoCode", () => {
    afterEach(() => vi.unstubAllGlobals());

    it("reads the demo's code as text, and a failure as the API's error", async () => {
      const fetch = vi.fn(async (url: string) =>
        url.endsWith("/api/demos/edge-kernel/code")
          ? new Response('"""The training code."""\n', { headers: { "content-type": "text/x-python" } })
          : new Response(JSON.stringify({ detail: "No demo x.", type: "not_found" }), { status: 404 }),
      );
      vi.stubGlobal("fetch", fetch);
      const client = new ApiClient("");
      await expect(client.demoCode("edge-kernel")).resolves.toBe('"""The training code."""\n');
      await expect(client.demoCode("x")).rejects.toMatchObject({ status: 404, type: "not_found" });
    });
  });
});

describe("errorOfBody", () => {
  it("keeps the API's message and its kind of error", () => {
    const error = errorOfBody(404, "Not Found", JSON.stringify({ detail: "No job abc.", type: "not_found" }));
    expect([error.message, error.status, error.type, error.issues]).toEqual([
      "No job abc.",
      404,
      "not_found",
      [],
    ]);
  });

  it("lists a 422's issues", () => {
    const issues = [
      { loc: ["body", "params", "lr"], msg: "Input should be greater than 0", type: "greater_than" },
    ];
    const error = errorOfBody(422, "", JSON.stringify({ detail: issues, type: "invalid_input" }));
    expect([error.message, error.issues, error.type]).toEqual([
      "Input should be greater than 0",
      issues,
      "invalid_input",
    ]);
  });

  it("keeps the body's other fields (a 409's first step) and a 429's Retry-After", () => {
    const conflict = errorOfBody(
      409,
      "Conflict",
      JSON.stringify({ detail: "The first snapshot is after step 21.", type: "no_snapshot", first_step: 21 }),
    );
    expect([conflict.type, conflict.extra, conflict.retryAfter]).toEqual([
      "no_snapshot",
      { first_step: 21 },
      null,
    ]);
    const limited = errorOfBody(429, "", JSON.stringify({ detail: "Too many.", type: "quota" }), "30");
    expect([limited.retryAfter, limited.extra]).toEqual([30, {}]);
    expect(errorOfBody(429, "", "", "soon").retryAfter).toBeNull();
  });

  it("falls back to the status line for a body that is not the API's", () => {
    const error = errorOfBody(502, "Bad Gateway", "<html>proxy</html>");
    expect([error.message, error.type]).toEqual(["502 Bad Gateway", null]);
  });
});

import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiClient, ApiError } from "../api/client";
import type { Me } from "../api/types";
import { parseRoute, type Route } from "../router";
import { badgeText, type Session, SessionStore, screenFor } from "./session";

const ALICE: Me = {
  id: "a1",
  name: "Alice",
  role: "learner",
  class_id: "c1",
  auth: "classroom",
  limits: null,
  usage: null,
  preset: null,
};
const ADA: Me = {
  id: "i1",
  name: "Ada",
  role: "instructor",
  class_id: null,
  auth: "classroom",
  limits: null,
  usage: null,
  preset: null,
};
const LOCAL: Me = {
  id: "local",
  name: "local",
  role: "local",
  class_id: null,
  auth: "none",
  limits: null,
  usage: null,
  preset: null,
};
const unauthorized = () => new ApiError("Sign in first.", 401, [], "unauthorized");

/** A fake of the accounts part of the API: `me` answers whoever is signed in, or 401. */
function fakeApi(signedIn: Me | null) {
  const state = { who: signedIn };
  return {
    state,
    me: vi.fn(async () => {
      if (!state.who) throw unauthorized();
      return state.who;
    }),
    signIn: vi.fn(async (name: string, password: string) => {
      if (password !== "correct horse") throw new ApiError("That name and password do not match.", 401);
      state.who = { ...ADA, name };
    }),
    join: vi.fn(async () => {
      state.who = ALICE;
    }),
    signOut: vi.fn(async () => {
      state.who = null;
    }),
  };
}

describe("SessionStore", () => {
  it("without sign-in (auth none) is the local user at once", async () => {
    const store = new SessionStore(fakeApi(LOCAL));
    expect(store.get()).toEqual({ state: "checking" });
    expect(await store.check()).toEqual({ state: "signed-in", me: LOCAL });
  });

  it("in classroom mode, a 401 from /api/me on start asks to sign in", async () => {
    const store = new SessionStore(fakeApi(null));
    expect(await store.check()).toEqual({ state: "signed-out", why: "required" });
  });

  it("a 401 from any request ends the session, once, and says it expired", async () => {
    const store = new SessionStore(fakeApi(ALICE));
    await store.check();
    const seen: Session[] = [];
    store.subscribe(() => seen.push(store.get()));
    store.unauthorized();
    store.unauthorized(); // a second request failing the same way changes nothing
    expect(seen).toEqual([{ state: "signed-out", why: "expired" }]);
  });

  it("signing in asks who it is, and a new user loads the pages again", async () => {
    const api = fakeApi(null);
    const store = new SessionStore(api);
    await store.check();
    const before = store.generation;
    await store.signIn("Ada", "correct horse");
    expect(store.get()).toEqual({ state: "signed-in", me: { ...ADA, name: "Ada" } });
    expect(store.generation).toBeGreaterThan(before);
  });

  it("a refused sign-in throws the API's words and stays signed out", async () => {
    const store = new SessionStore(fakeApi(null));
    await store.check();
    await expect(store.signIn("Ada", "nope")).rejects.toThrow("do not match");
    expect(store.get()).toEqual({ state: "signed-out", why: "required" });
  });

  it("joining signs a learner in; signing out says so", async () => {
    const store = new SessionStore(fakeApi(null));
    await store.check();
    await store.join({ code: "K7QP2MXD", name: "Alice" });
    expect(store.get()).toEqual({ state: "signed-in", me: ALICE });
    await store.signOut();
    expect(store.get()).toEqual({ state: "signed-out", why: "signed-out" });
  });

  it("an unreachable server is an error to retry, not a sign-in", async () => {
    const api = fakeApi(LOCAL);
    api.me.mockRejectedValueOnce(new ApiError("Cannot reach the DiveLab server.", 0));
    const store = new SessionStore(api);
    expect((await store.check()).state).toBe("error");
    expect(await store.check()).toEqual({ state: "signed-in", me: LOCAL });
  });

  it("a refresh brings what changed (the settings an instructor pushed), and nothing else", async () => {
    const api = fakeApi(ALICE);
    const store = new SessionStore(api);
    await store.check();
    const heard = vi.fn();
    store.subscribe(heard);
    await store.refresh();
    expect(heard).not.toHaveBeenCalled();
    const preset = { demo: "gradient-descent", params: { steps: 5 }, pushed_at: "2025-05-12T10:00:00Z" };
    api.state.who = { ...ALICE, preset };
    const generation = store.generation;
    await store.refresh();
    expect(heard).toHaveBeenCalledOnce();
    expect(store.get()).toEqual({ state: "signed-in", me: { ...ALICE, preset } });
    expect(store.generation).toBe(generation); // the same learner: the page is kept
  });

  it("a refresh that fails for want of the network changes nothing; a 401 ends the session", async () => {
    const api = fakeApi(ALICE);
    const store = new SessionStore(api);
    await store.check();
    api.me.mockRejectedValueOnce(new ApiError("Cannot reach the DiveLab server.", 0));
    await store.refresh();
    expect(store.get()).toEqual({ state: "signed-in", me: ALICE });
    api.state.who = null; // the class ended
    await store.refresh();
    expect(store.get()).toEqual({ state: "signed-out", why: "expired" });
  });

  it("watches a learner's session while the page is on show, not an instructor's", async () => {
    vi.useFakeTimers();
    try {
      for (const [who, asked] of [
        [ALICE, 2],
        [ADA, 0],
      ] as const) {
        const api = fakeApi(who);
        const store = new SessionStore(api);
        await store.check();
        api.me.mockClear();
        const stop = store.watchLearner(4000);
        await vi.advanceTimersByTimeAsync(8000);
        stop();
        await vi.advanceTimersByTimeAsync(8000);
        expect(api.me).toHaveBeenCalledTimes(asked);
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it("an API from before sign-in (no /api/me) is the local user", async () => {
    const api = fakeApi(LOCAL);
    api.me.mockRejectedValueOnce(new ApiError("Not Found", 404));
    expect(await new SessionStore(api).check()).toMatchObject({ state: "signed-in", me: { role: "local" } });
  });
});

describe("screenFor", () => {
  const route = (path: string): Route => {
    const url = new URL(path, "http://lab");
    return parseRoute(url.pathname, url.search);
  };
  const out: Session = { state: "signed-out", why: "required" };
  const inAs = (me: Me): Session => ({ state: "signed-in", me });

  it("shows the sign-in screen in place of any page while signed out", () => {
    for (const path of ["/", "/demos/gradient-descent", "/jobs/abc", "/classes", "/tokens"]) {
      expect(screenFor(out, route(path))).toBe("sign-in");
    }
  });

  it("shows the join and sign-in pages as they are: the invite link works signed out", () => {
    expect(screenFor(out, route("/join/K7QP2MXD"))).toBe("page");
    expect(screenFor(out, route("/sign-in?next=/classes"))).toBe("page");
  });

  it("shows the page when signed in, or without sign-in", () => {
    expect(screenFor(inAs(ALICE), route("/demos/gradient-descent"))).toBe("page");
    expect(screenFor(inAs(LOCAL), route("/"))).toBe("page");
  });

  it("waits while it asks who this is, and shows an error it could not", () => {
    expect(screenFor({ state: "checking" }, route("/"))).toBe("checking");
    expect(screenFor({ state: "error", error: new Error("down") }, route("/"))).toBe("error");
  });
});

describe("the API client's 401s", () => {
  afterEach(() => vi.unstubAllGlobals());

  const answering = (status: number, body: object | null) =>
    vi.fn(async () => new Response(body ? JSON.stringify(body) : null, { status }));

  it("tells the app of a 401 from any request, so it can show the sign-in screen", async () => {
    vi.stubGlobal("fetch", answering(401, { detail: "Sign in first.", type: "unauthorized" }));
    const client = new ApiClient("");
    const told = vi.fn();
    client.onUnauthorized = told;
    await expect(client.jobs("gradient-descent", 20)).rejects.toMatchObject({ status: 401 });
    expect(told).toHaveBeenCalledOnce();
  });

  it("keeps a wrong password to the sign-in form (its 401 is no lapsed session)", async () => {
    vi.stubGlobal(
      "fetch",
      answering(401, { detail: "That name and password do not match.", type: "unauthorized" }),
    );
    const client = new ApiClient("");
    const told = vi.fn();
    client.onUnauthorized = told;
    await expect(client.signIn("ada", "nope")).rejects.toThrow("do not match");
    await expect(client.join({ code: "ABCD", name: "Cy", pin: "0000" })).rejects.toThrow();
    expect(told).not.toHaveBeenCalled();
  });

  it("takes a 204 (signed in, signed out) for done, with no body to read", async () => {
    const fetch = answering(204, null);
    vi.stubGlobal("fetch", fetch);
    await expect(new ApiClient("").join({ code: "K7QP2MXD", name: "Alice" })).resolves.toBeUndefined();
    expect(fetch).toHaveBeenCalledWith(
      "/api/classes/join",
      expect.objectContaining({ method: "POST", body: JSON.stringify({ code: "K7QP2MXD", name: "Alice" }) }),
    );
  });
});

describe("badgeText", () => {
  it("says who and what role", () => {
    expect(badgeText(ALICE)).toBe("Alice · learner");
    expect(badgeText(ADA)).toBe("Ada · instructor");
  });
});

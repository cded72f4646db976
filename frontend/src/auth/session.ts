/**
 * Who is using the lab. Without sign-in (`auth: "none"`) it is the local user and nothing
 * changes. In classroom mode a 401 from anywhere (`/api/me` on start, a job, the websocket)
 * means nobody is signed in any more: the app shows the sign-in screen in place of the page,
 * and the page comes back, as whoever signed in, once someone has.
 */

import { useEffect, useState } from "preact/hooks";
import { api, type ApiClient, ApiError } from "../api/client";
import type { Join, Me } from "../api/types";
import type { Route } from "../router";

export type SignedOutWhy =
  /** nobody had signed in on this browser */
  | "required"
  /** a session that worked stopped working: it expired, or the class ended */
  | "expired"
  /** the user pressed Sign out */
  | "signed-out";

export type Session =
  | { state: "checking" }
  | { state: "error"; error: unknown }
  | { state: "signed-in"; me: Me }
  | { state: "signed-out"; why: SignedOutWhy };

type AccountsApi = Pick<ApiClient, "me" | "signIn" | "join" | "signOut">;

export const LEARNER_REFRESH_MS = 4_000;

export class SessionStore {
  private current: Session = { state: "checking" };
  private readonly listeners = new Set<() => void>();
  /** Changes with every sign-in: the page on show loads again, as the new user. */
  generation = 0;
  private refreshing = false;

  constructor(private readonly client: AccountsApi) {}

  get(): Session {
    return this.current;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Ask the server who this is (on start, and after signing in). */
  async check(): Promise<Session> {
    if (this.current.state === "error") this.set({ state: "checking" });
    try {
      const me = await this.client.me();
      if (this.current.state !== "signed-in" || this.current.me.id !== me.id) this.generation += 1;
      this.set({ state: "signed-in", me });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        this.set({ state: "signed-out", why: this.current.state === "signed-in" ? "expired" : "required" });
      } else if (error instanceof ApiError && error.status === 404) {
        // an API from before sign-in existed: it has only the local user
        this.set({ state: "signed-in", me: LOCAL_USER });
      } else {
        this.set({ state: "error", error });
      }
    }
    return this.current;
  }

  /** A request was refused with 401: whoever was signed in is not any more. */
  unauthorized(): void {
    const was = this.current;
    if (was.state === "signed-out") return;
    this.set({ state: "signed-out", why: was.state === "signed-in" ? "expired" : "required" });
  }

  /**
   * Ask again, quietly, who a signed-in user is: it brings the settings a learner's instructor
   * pushed (`me.preset`) and notices a class that ended. Listeners hear of it only when the
   * answer changed; a failed request (a network blip) leaves the session as it is.
   */
  async refresh(): Promise<void> {
    const was = this.current;
    if (was.state !== "signed-in" || this.refreshing) return;
    this.refreshing = true;
    try {
      const me = await this.client.me();
      // a sign-in or sign-out meanwhile has the last word
      if (this.current !== was || JSON.stringify(me) === JSON.stringify(was.me)) return;
      if (me.id !== was.me.id) this.generation += 1;
      this.set({ state: "signed-in", me });
    } catch (error) {
      if (this.current === was && error instanceof ApiError && error.status === 401)
        this.set({ state: "signed-out", why: "expired" });
    } finally {
      this.refreshing = false;
    }
  }

  /**
   * Refresh a signed-in learner's session every `everyMs` while the page is on show, so the
   * settings their instructor pushes reach their form within seconds. Returns the stop.
   */
  watchLearner(everyMs = LEARNER_REFRESH_MS): () => void {
    const timer = setInterval(() => {
      const now = this.current;
      const hidden = typeof document !== "undefined" && document.hidden;
      if (!hidden && now.state === "signed-in" && now.me.role === "learner") void this.refresh();
    }, everyMs);
    return () => clearInterval(timer);
  }

  /** Sign an instructor in; throws the API's error (401 wrong password, 429...) for the form. */
  async signIn(name: string, password: string): Promise<void> {
    await this.client.signIn(name, password);
    await this.afterSignIn();
  }

  /** Join a class as a learner; throws the API's error (404 code, 409 name taken...) for the form. */
  async join(body: Join): Promise<void> {
    await this.client.join(body);
    await this.afterSignIn();
  }

  async signOut(): Promise<void> {
    await this.client.signOut();
    this.set({ state: "signed-out", why: "signed-out" });
  }

  private async afterSignIn(): Promise<void> {
    const now = await this.check();
    if (now.state === "error") throw now.error;
    if (now.state !== "signed-in") throw new ApiError("Signed in, but the server does not know you.", 401);
  }

  private set(session: Session): void {
    this.current = session;
    for (const listener of [...this.listeners]) listener();
  }
}

export const LOCAL_USER: Me = {
  id: "local",
  name: "local",
  role: "local",
  class_id: null,
  auth: "none",
  limits: null,
  usage: null,
  preset: null,
};

/** What the main area shows: the page of the route, or, in its place, a screen of the session's. */
export type Screen = "checking" | "error" | "sign-in" | "page";

export function screenFor(session: Session, route: Route): Screen {
  if (session.state === "checking") return "checking";
  if (session.state === "error") return "error";
  // the join and sign-in forms are pages of their own: /join/CODE is a class's invite link
  if (route.page === "join" || route.page === "sign-in") return "page";
  return session.state === "signed-out" ? "sign-in" : "page";
}

/** "Ada · instructor", the header's badge. */
export function badgeText(me: Me): string {
  return `${me.name} · ${me.role}`;
}

export const session = new SessionStore(api);
api.onUnauthorized = () => session.unauthorized();

export function useSession(store: SessionStore = session): Session {
  const [value, setValue] = useState(store.get());
  useEffect(() => {
    setValue(store.get());
    return store.subscribe(() => setValue(store.get()));
  }, [store]);
  return value;
}

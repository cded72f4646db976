/** The header's account part in classroom mode: the pages of the signed-in user, who it is, Sign out. */

import { useState } from "preact/hooks";
import type { Me } from "../api/types";
import { navigate } from "../router";
import { createdJobs } from "../run/useJobRun";
import { messageOf } from "../ui/states";
import { badgeText, session } from "./session";

export function AccountNav({ me, path }: { me: Me; path: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const signOut = async () => {
    setBusy(true);
    setError(null);
    try {
      await session.signOut();
      createdJobs.clear();
      navigate("/"); // the next person at this computer starts from the sign-in screen
    } catch (problem) {
      setError(`Could not sign out: ${messageOf(problem)}`);
      setBusy(false);
    }
  };
  const current = (href: string) => (path === href || path.startsWith(`${href}/`) ? "page" : undefined);
  return (
    <nav class="account-nav" aria-label="Account">
      {me.role === "instructor" && (
        <a href="/classes" aria-current={current("/classes")}>
          Classes
        </a>
      )}
      <a href="/tokens" aria-current={current("/tokens")}>
        Tokens
      </a>
      <span class="user-badge" data-testid="user-badge">
        {badgeText(me)}
      </span>
      <button type="button" class="header-button" onClick={() => void signOut()} disabled={busy}>
        {busy ? "Signing out…" : "Sign out"}
      </button>
      {error && (
        <span class="header-error" role="alert">
          {error}
        </span>
      )}
    </nav>
  );
}

/** What the Classes page says about a class's invite: its absolute link, its state, its expiry. */

import type { ClassInfo } from "../api/types";

/**
 * The invite link to share: the API gives a path (`/join/CODE`), a page of this UI, so it is
 * made absolute on the UI's origin (which may differ from the API's).
 */
export function inviteLink(cls: Pick<ClassInfo, "invite_url">, origin: string): string | null {
  return cls.invite_url ? new URL(cls.invite_url, origin).toString() : null;
}

export type InviteState = "open" | "expired" | "revoked" | "ended";

export function inviteState(cls: Pick<ClassInfo, "code" | "expires_at" | "ended">, now: Date): InviteState {
  if (cls.ended) return "ended";
  if (!cls.code) return "revoked";
  return new Date(cls.expires_at).getTime() <= now.getTime() ? "expired" : "open";
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
];

/** "in 7 days", "in 3 hours", "2 days ago": how far a time is from now, in its largest unit. */
export function relativeTime(at: Date, now: Date, locale?: string): string {
  const delta = at.getTime() - now.getTime();
  const format = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  for (const [unit, ms] of UNITS) {
    if (Math.abs(delta) >= ms) return format.format(Math.round(delta / ms), unit);
  }
  return format.format(0, "minute");
}

/** "Tue, 12 May, 14:00": a date to read at a glance, in the browser's language. */
export function shortDate(at: Date, locale?: string): string {
  return at.toLocaleString(locale, {
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** The sentence under a class's invite. */
export function describeInvite(cls: Pick<ClassInfo, "code" | "expires_at" | "ended">, now: Date): string {
  const expires = new Date(cls.expires_at);
  switch (inviteState(cls, now)) {
    case "ended":
      return "This class has ended: its learners are signed out and nobody can join it.";
    case "revoked":
      return "The invite is revoked: nobody new can join. Create a new invite to let learners in again.";
    case "expired":
      return `The invite expired ${relativeTime(expires, now)} (${shortDate(expires)}): create a new one to let learners in.`;
    case "open":
      return `The invite works until ${shortDate(expires)} (${relativeTime(expires, now)}).`;
  }
}

/** A class code in groups of four, easier to copy off a board: "K7QP 2MXD". */
export function spacedCode(code: string): string {
  return code.replace(/(.{4})(?=.)/g, "$1 ");
}

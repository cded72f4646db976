/**
 * The sign-in forms' rules, checked before asking the server (which checks them again, and
 * says the rest: a wrong password, a name taken, too many attempts).
 */

import type { ApiError } from "../api/client";
import type { Join, SignIn } from "../api/types";

export type FieldErrors<K extends string> = Partial<Record<K, string>>;

export interface Checked<K extends string, B> {
  errors: FieldErrors<K>;
  /** The request's body when every field is valid, else null. */
  body: B | null;
}

export interface JoinDraft {
  code: string;
  name: string;
  pin: string;
}

export type JoinField = keyof JoinDraft;

export const NAME_MAX = 64;
export const PIN_MIN = 4;
export const PIN_MAX = 12;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A class code as typed or read off a board: "k7qp-2mxd " → "K7QP2MXD". */
export function normalizeCode(raw: string): string {
  return raw.replace(/[\s-]+/g, "").toUpperCase();
}

function checkName(raw: string, what: string): string | undefined {
  const name = raw.trim();
  if (!name) return `Enter ${what}.`;
  if (name.length > NAME_MAX) return `At most ${NAME_MAX} characters.`;
  if (CONTROL.test(name)) return "Only letters, digits, spaces and punctuation.";
  return undefined;
}

export function checkJoin(draft: JoinDraft): Checked<JoinField, Join> {
  const errors: FieldErrors<JoinField> = {};
  const code = normalizeCode(draft.code);
  if (!code) errors.code = "Enter the code your instructor gave you.";
  else if (!/^[A-Z0-9]{4,16}$/.test(code))
    errors.code = "A class code is 4 to 16 letters and digits, like K7QP2MXD.";
  const nameError = checkName(draft.name, "the name your instructor will see");
  if (nameError) errors.name = nameError;
  const pin = draft.pin.trim();
  if (pin && !/^\d+$/.test(pin)) errors.pin = "A PIN is digits only.";
  else if (pin && (pin.length < PIN_MIN || pin.length > PIN_MAX))
    errors.pin = `A PIN has ${PIN_MIN} to ${PIN_MAX} digits.`;
  const valid = Object.keys(errors).length === 0;
  return {
    errors,
    body: valid ? { code, name: draft.name.trim(), ...(pin ? { pin } : {}) } : null,
  };
}

export interface SignInDraft {
  name: string;
  password: string;
}

export type SignInField = keyof SignInDraft;

export function checkSignIn(draft: SignInDraft): Checked<SignInField, SignIn> {
  const errors: FieldErrors<SignInField> = {};
  const nameError = checkName(draft.name, "your instructor name");
  if (nameError) errors.name = nameError;
  if (!draft.password) errors.password = "Enter your password.";
  const valid = Object.keys(errors).length === 0;
  return { errors, body: valid ? { name: draft.name.trim(), password: draft.password } : null };
}

/**
 * A refused request, for a form: a 422's issues next to the fields they name, anything else
 * (the API's `detail`: a wrong password, a name taken, a wait) for the whole form.
 */
export function placeApiError<K extends string>(
  error: ApiError,
  fields: readonly K[],
): { errors: FieldErrors<K>; general: string | null } {
  const errors: FieldErrors<K> = {};
  const left: string[] = [];
  for (const issue of error.issues) {
    const field = fields.find((name) => issue.loc.at(-1) === name);
    if (field && !errors[field]) errors[field] = sentence(issue.msg);
    else left.push(sentence(issue.msg));
  }
  if (error.issues.length === 0) left.push(error.message);
  return { errors, general: left.length ? left.join(" ") : null };
}

function sentence(message: string): string {
  const trimmed = message.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/**
 * Where to go after signing in: a path of this UI from `?next=`, never another site ("//x",
 * "https://x") nor the sign-in pages themselves.
 */
export function safeNext(next: string | null | undefined, fallback = "/"): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return fallback;
  if (/^\/(sign-in|join)(\/|\?|$)/.test(next)) return fallback;
  return next;
}

/** The names of a pasted roster: one a line, trimmed, blank lines and repeats left out. */
export function rosterNames(text: string): string[] {
  const names = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  return [...new Set(names)];
}

/** Roster names the API would refuse (too long), to say so before sending. */
export function rosterProblems(names: string[]): string[] {
  return names.filter((name) => name.length > NAME_MAX || CONTROL.test(name));
}

import { describe, expect, it } from "vitest";
import { describeInvite, inviteLink, inviteState, relativeTime, spacedCode } from "./classroom";

const NOW = new Date("2025-05-05T12:00:00Z");
const inDays = (days: number) => new Date(NOW.getTime() + days * 86_400_000).toISOString();
const open = { code: "K7QP2MXD", invite_url: "/join/K7QP2MXD", expires_at: inDays(7), ended: false };

describe("inviteLink", () => {
  it("makes the API's path absolute on the UI's origin", () => {
    expect(inviteLink(open, "http://10.0.0.5:8000")).toBe("http://10.0.0.5:8000/join/K7QP2MXD");
  });

  it("is null once the invite is revoked", () => {
    expect(inviteLink({ invite_url: null }, "http://lab")).toBeNull();
  });
});

describe("inviteState", () => {
  it("tells an open invite from an expired, a revoked one and an ended class", () => {
    expect(inviteState(open, NOW)).toBe("open");
    expect(inviteState({ ...open, expires_at: inDays(-1) }, NOW)).toBe("expired");
    expect(inviteState({ ...open, code: null }, NOW)).toBe("revoked");
    expect(inviteState({ ...open, code: null, ended: true }, NOW)).toBe("ended");
  });
});

describe("describeInvite", () => {
  it("says until when an invite works, and what to do when it does not", () => {
    expect(describeInvite(open, NOW)).toMatch(/^The invite works until .+ \(in 7 days\)\.$/);
    expect(describeInvite({ ...open, expires_at: inDays(-2) }, NOW)).toMatch(
      /expired 2 days ago .*create a new one/,
    );
    expect(describeInvite({ ...open, code: null }, NOW)).toMatch(/revoked: nobody new can join/);
    expect(describeInvite({ ...open, ended: true }, NOW)).toMatch(/has ended/);
  });
});

describe("relativeTime", () => {
  it("uses the largest whole unit", () => {
    expect(relativeTime(new Date(NOW.getTime() + 3 * 3_600_000), NOW, "en")).toBe("in 3 hours");
    expect(relativeTime(new Date(NOW.getTime() - 5 * 60_000), NOW, "en")).toBe("5 minutes ago");
    expect(relativeTime(NOW, NOW, "en")).toBe("this minute");
  });
});

describe("spacedCode", () => {
  it("groups a code by four for the board", () => {
    expect(spacedCode("K7QP2MXD")).toBe("K7QP 2MXD");
    expect(spacedCode("ABCDEF")).toBe("ABCD EF");
    expect(spacedCode("ABCD")).toBe("ABCD");
  });
});

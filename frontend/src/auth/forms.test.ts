import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import {
  checkJoin,
  checkSignIn,
  normalizeCode,
  placeApiError,
  rosterNames,
  rosterProblems,
  safeNext,
} from "./forms";

describe("checkJoin", () => {
  it("sends a code as read off the board, a trimmed name, and no PIN when none is given", () => {
    expect(checkJoin({ code: " k7qp-2mxd ", name: "  Alice ", pin: "" })).toEqual({
      errors: {},
      body: { code: "K7QP2MXD", name: "Alice" },
    });
  });

  it("sends a PIN of 4 to 12 digits", () => {
    expect(checkJoin({ code: "K7QP2MXD", name: "Cy", pin: "4321" }).body).toEqual({
      code: "K7QP2MXD",
      name: "Cy",
      pin: "4321",
    });
    expect(checkJoin({ code: "K7QP2MXD", name: "Cy", pin: "123456789012" }).errors).toEqual({});
  });

  it("names each field that is wrong, and sends nothing", () => {
    const checked = checkJoin({ code: "", name: " ", pin: "12ab" });
    expect(checked.body).toBeNull();
    expect(checked.errors).toEqual({
      code: "Enter the code your instructor gave you.",
      name: "Enter the name your instructor will see.",
      pin: "A PIN is digits only.",
    });
  });

  it("wants a PIN neither too short nor too long", () => {
    expect(checkJoin({ code: "K7QP2MXD", name: "Cy", pin: "123" }).errors.pin).toBe(
      "A PIN has 4 to 12 digits.",
    );
    expect(checkJoin({ code: "K7QP2MXD", name: "Cy", pin: "1234567890123" }).errors.pin).toBe(
      "A PIN has 4 to 12 digits.",
    );
  });

  it("wants a code of 4 to 16 letters and digits, and a name of at most 64 characters", () => {
    expect(checkJoin({ code: "AB!", name: "Cy", pin: "" }).errors.code).toMatch(/4 to 16 letters and digits/);
    expect(checkJoin({ code: "ABC", name: "Cy", pin: "" }).errors.code).toMatch(/4 to 16/);
    expect(checkJoin({ code: "K7QP2MXD", name: "x".repeat(65), pin: "" }).errors.name).toBe(
      "At most 64 characters.",
    );
  });
});

describe("checkSignIn", () => {
  it("needs a name and a password, and keeps the password as typed", () => {
    expect(checkSignIn({ name: "", password: "" }).errors).toEqual({
      name: "Enter your instructor name.",
      password: "Enter your password.",
    });
    expect(checkSignIn({ name: " ada ", password: " correct horse " }).body).toEqual({
      name: "ada",
      password: " correct horse ",
    });
  });
});

describe("normalizeCode", () => {
  it("drops spaces and dashes and capitalizes", () => {
    expect(normalizeCode("k7qp 2mxd")).toBe("K7QP2MXD");
    expect(normalizeCode("K7QP-2MXD")).toBe("K7QP2MXD");
  });
});

describe("placeApiError", () => {
  it("puts a 422's issues next to the fields they name", () => {
    const issues = [
      {
        loc: ["body", "pin"],
        msg: "String should match pattern '^[0-9]+$'",
        type: "string_pattern_mismatch",
      },
      { loc: ["body"], msg: "Extra inputs are not permitted", type: "extra_forbidden" },
    ];
    const error = new ApiError("…", 422, issues, "invalid_input");
    expect(placeApiError(error, ["code", "name", "pin"])).toEqual({
      errors: { pin: "String should match pattern '^[0-9]+$'." },
      general: "Extra inputs are not permitted.",
    });
  });

  it("says anything else in the API's words, for the whole form", () => {
    const wait = new ApiError("Too many attempts: try again in 42 s.", 429, [], "too_many_requests");
    expect(placeApiError(wait, ["name", "password"])).toEqual({
      errors: {},
      general: "Too many attempts: try again in 42 s.",
    });
    const taken = new ApiError("'Alice' is taken in this class: choose another name.", 409, [], "conflict");
    expect(placeApiError(taken, ["code", "name", "pin"]).general).toContain("choose another name");
  });
});

describe("safeNext", () => {
  it("goes back to a page of this UI", () => {
    expect(safeNext("/jobs/abc")).toBe("/jobs/abc");
    expect(safeNext("/demos/gradient-descent?params=%7B%7D")).toBe("/demos/gradient-descent?params=%7B%7D");
  });

  it("never to another site, nor back to a sign-in page", () => {
    for (const next of ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)"]) {
      expect(safeNext(next)).toBe("/");
    }
    expect(safeNext("/sign-in?next=/x")).toBe("/");
    expect(safeNext("/join/K7QP2MXD")).toBe("/");
    expect(safeNext(null, "/classes")).toBe("/classes");
  });
});

describe("rosterNames", () => {
  it("takes one name a line, trimmed, without blanks or repeats", () => {
    expect(rosterNames("Alice\r\n  Bob \n\nAlice\n\t\nCy")).toEqual(["Alice", "Bob", "Cy"]);
    expect(rosterNames(" \n ")).toEqual([]);
  });

  it("points out names the API would cut", () => {
    expect(rosterProblems(["Alice", "x".repeat(65)])).toEqual(["x".repeat(65)]);
  });
});

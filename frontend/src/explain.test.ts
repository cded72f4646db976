import { describe, expect, it } from "vitest";
import { explainStatus } from "./explain";

describe("explainStatus", () => {
  it("says who stopped a run, as the server reports it", () => {
    const byInstructor = explainStatus("cancelled", "Stopped by the instructor, ada.", 12);
    expect(byInstructor.headline).toBe("Stopped at step 12.");
    expect(byInstructor.detail).toBe("Stopped by the instructor, ada.");
    expect(explainStatus("cancelled", null, null).headline).toBe("Stopped.");
  });
});

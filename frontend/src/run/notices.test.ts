import { describe, expect, it } from "vitest";
import { JobRun } from "./jobRun";
import { isNoteKey, logNotice, runNotices, summaryNotices } from "./notices";

const FALLBACK_NOTE =
  "Features: RANDOM FILTERS (fallback), not VGG19. VGG19's weights are not in /data/weights " +
  "and could not be downloaded from http://127.0.0.1:9/vgg19.pth. To use VGG19, copy " +
  "vgg19-dcbb9e9d.pth into /data/weights.";
const VGG19_NOTE = "Features: VGG19 with torchvision's ImageNet weights (/data/weights/vgg19-dcbb9e9d.pth).";

describe("run notices", () => {
  it("makes a warning of a features note when the features are not VGG19's", () => {
    expect(summaryNotices({ features: "random", features_note: FALLBACK_NOTE, steps: 20 })).toEqual([
      {
        key: "features",
        tone: "warning",
        headline: "This image is made with stand-in random features instead of VGG19's.",
        text: FALLBACK_NOTE,
      },
    ]);
  });

  it("keeps a note about the real thing calm", () => {
    expect(summaryNotices({ features: "vgg19", features_note: VGG19_NOTE })).toEqual([
      { key: "features", tone: "info", headline: null, text: VGG19_NOTE },
    ]);
  });

  it("warns of any other note that speaks of a fallback, and ignores what is not a note", () => {
    const notices = summaryNotices({
      dataset_note: "Used the digits fallback: MNIST could not be downloaded.",
      weights_note: "",
      note: "not a <what>_note key",
      accuracy: 0.9,
    });
    expect(notices).toEqual([
      {
        key: "dataset",
        tone: "warning",
        headline: "This run used a stand-in for its dataset.",
        text: "Used the digits fallback: MNIST could not be downloaded.",
      },
    ]);
    expect(summaryNotices(null)).toEqual([]);
    expect([isNoteKey("features_note"), isNoteKey("_note"), isNoteKey(3)]).toEqual([true, false, false]);
  });

  it("finds the fallback in the log while the run trains, and the summary's note replaces it", () => {
    const fromLog = logNotice(FALLBACK_NOTE);
    expect(fromLog).toMatchObject({ key: "features", tone: "warning" });
    expect(
      logNotice("VGG19's ImageNet weights are not in /data: downloading them (548 MB), once."),
    ).toBeNull();
    expect(logNotice("Using the fallback.")).toMatchObject({ key: "log", tone: "warning" });

    expect(runNotices([fromLog!], null)).toEqual([fromLog]);
    const summary = { features: "random", features_note: `${FALLBACK_NOTE} (final)` };
    expect(runNotices([fromLog!], summary).map((n) => n.text)).toEqual([`${FALLBACK_NOTE} (final)`]);
  });

  it("is kept by the run, once, after the log has rolled on", () => {
    const run = new JobRun("job", () => {});
    let seq = 0;
    const log = (message: string) => run.apply({ type: "log", seq: ++seq, ts: 0, message });
    log(FALLBACK_NOTE);
    log(FALLBACK_NOTE);
    for (let i = 0; i < 100; i++) log(`step ${i}`);
    expect(run.logs.some((line) => line.message === FALLBACK_NOTE)).toBe(false);
    expect(run.notices.map((n) => n.key)).toEqual(["features"]);
  });
});

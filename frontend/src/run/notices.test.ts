import { describe, expect, it } from "vitest";
import type { NoticeSpec } from "../api/types";
import { JobRun } from "./jobRun";
import { isNoteKey, logNotice, runNotices, summaryNotices } from "./notices";

const FALLBACK_NOTE =
  "Features: RANDOM FILTERS (fallback), not VGG19. VGG19's weights are not in /data/weights " +
  "and could not be downloaded from http://127.0.0.1:9/vgg19.pth. To use VGG19, copy " +
  "vgg19-dcbb9e9d.pth into /data/weights.";
const VGG19_NOTE = "Features: VGG19 with torchvision's ImageNet weights (/data/weights/vgg19-dcbb9e9d.pth).";

/** What the style-transfer demo declares (`GET /api/demos`, `notices`). */
const DECLARED: NoticeSpec[] = [
  {
    key: "features",
    headline: "This image is made with stand-in random features instead of VGG19's.",
    real_values: ["vgg19"],
  },
];

describe("run notices", () => {
  it("makes a warning of a declared note when the value is not a real one, with the demo's headline", () => {
    expect(summaryNotices({ features: "random", features_note: FALLBACK_NOTE, steps: 20 }, DECLARED)).toEqual(
      [
        {
          key: "features",
          tone: "warning",
          headline: "This image is made with stand-in random features instead of VGG19's.",
          text: FALLBACK_NOTE,
        },
      ],
    );
  });

  it("warns by the value alone, even when the note does not speak of a fallback", () => {
    const declared = [
      { key: "weights", headline: "The model starts untrained.", real_values: ["imagenet", "coco"] },
    ];
    expect(summaryNotices({ weights: "none", weights_note: "Weights: none found." }, declared)).toEqual([
      {
        key: "weights",
        tone: "warning",
        headline: "The model starts untrained.",
        text: "Weights: none found.",
      },
    ]);
    expect(summaryNotices({ weights: "coco", weights_note: "Weights: COCO." }, declared)).toEqual([
      { key: "weights", tone: "info", headline: null, text: "Weights: COCO." },
    ]);
  });

  it("keeps a note about the real thing calm", () => {
    expect(summaryNotices({ features: "vgg19", features_note: VGG19_NOTE }, DECLARED)).toEqual([
      { key: "features", tone: "info", headline: null, text: VGG19_NOTE },
    ]);
  });

  it("holds no headline or real values of its own: an undeclared note warns only of a fallback", () => {
    // the same summary from a demo that declares nothing: the value alone says nothing
    expect(summaryNotices({ features: "random", features_note: "Features: random." }, [])).toEqual([
      { key: "features", tone: "info", headline: null, text: "Features: random." },
    ]);
    expect(summaryNotices({ features: "random", features_note: FALLBACK_NOTE }, [])).toEqual([
      {
        key: "features",
        tone: "warning",
        headline: "This run used a stand-in for its features.",
        text: FALLBACK_NOTE,
      },
    ]);
  });

  it("warns of any other note that speaks of a fallback, and ignores what is not a note", () => {
    const notices = summaryNotices(
      {
        dataset_note: "Used the digits fallback: MNIST could not be downloaded.",
        weights_note: "",
        note: "not a <what>_note key",
        accuracy: 0.9,
      },
      DECLARED,
    );
    expect(notices).toEqual([
      {
        key: "dataset",
        tone: "warning",
        headline: "This run used a stand-in for its dataset.",
        text: "Used the digits fallback: MNIST could not be downloaded.",
      },
    ]);
    expect(summaryNotices(null, DECLARED)).toEqual([]);
    expect([isNoteKey("features_note"), isNoteKey("_note"), isNoteKey(3)]).toEqual([true, false, false]);
  });

  it("finds the fallback in the log while the run trains, and the summary's note replaces it", () => {
    const fromLog = logNotice(FALLBACK_NOTE);
    expect(fromLog).toEqual({ key: "features", text: FALLBACK_NOTE });
    expect(
      logNotice("VGG19's ImageNet weights are not in /data: downloading them (548 MB), once."),
    ).toBeNull();
    expect(logNotice("Using the fallback.")).toEqual({ key: "log", text: "Using the fallback." });

    // before the summary, the log's notice is a warning with the demo's headline
    expect(runNotices([fromLog!], null, DECLARED)).toEqual([
      { key: "features", tone: "warning", headline: DECLARED[0].headline, text: FALLBACK_NOTE },
    ]);
    expect(runNotices([fromLog!], null, [])[0].headline).toBe("This run used a stand-in for its features.");
    const summary = { features: "random", features_note: `${FALLBACK_NOTE} (final)` };
    expect(runNotices([fromLog!], summary, DECLARED).map((n) => n.text)).toEqual([
      `${FALLBACK_NOTE} (final)`,
    ]);
  });

  it("is kept by the run, once, after the log has rolled on", () => {
    const run = new JobRun("job", () => {});
    let seq = 0;
    const log = (message: string) =>
      run.apply({ type: "log", seq: ++seq, ts: 0, step: null, message, progress: null });
    log(FALLBACK_NOTE);
    log(FALLBACK_NOTE);
    for (let i = 0; i < 100; i++) log(`step ${i}`);
    expect(run.logs.some((line) => line.message === FALLBACK_NOTE)).toBe(false);
    expect(run.notices.map((n) => n.key)).toEqual(["features"]);
  });
});

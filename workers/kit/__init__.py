"""The demo kit: what every demo shares, so that a demo's files hold its book section.

- `pacing`: `Pace`, which holds a loop to the learner's `speed`;
- `views`: typed frame builders (heatmaps, pictures, curves) from tensors and arrays;
- `running`: `RunningMeans`, sums kept on the device between reports;
- `device`: mixed precision and memory layout where they pay;
- `seeding`: one call seeds every generator a demo uses;
- `download`: the one verified downloader (datasets and weights alike);
- `datasets`: image classification data, resident on the training device;
- `training`: a classifier's minibatch step and its accuracy;
- `sweep`: one job that fits once per value of a quantity and streams each fit's results.
"""

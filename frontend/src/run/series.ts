/** An append-only list of (x, y) points in typed arrays that grow by doubling. */
export class XYSeries {
  xs = new Float64Array(256);
  ys = new Float64Array(256);
  length = 0;
  minY = Infinity;
  maxY = -Infinity;
  /** The smallest |y| that is not 0: where a symmetric log axis must stop being linear. */
  minMagnitude = Infinity;

  push(x: number, y: number): void {
    if (this.length === this.xs.length) this.grow();
    this.xs[this.length] = x;
    this.ys[this.length] = y;
    this.length += 1;
    if (y < this.minY) this.minY = y;
    if (y > this.maxY) this.maxY = y;
    if (y !== 0 && Math.abs(y) < this.minMagnitude) this.minMagnitude = Math.abs(y);
  }

  static of(xs: readonly number[], ys: readonly number[]): XYSeries {
    const series = new XYSeries();
    xs.forEach((x, i) => series.push(x, ys[i]));
    return series;
  }

  get lastX(): number | null {
    return this.length ? this.xs[this.length - 1] : null;
  }

  get lastY(): number | null {
    return this.length ? this.ys[this.length - 1] : null;
  }

  private grow(): void {
    const xs = new Float64Array(this.xs.length * 2);
    const ys = new Float64Array(this.ys.length * 2);
    xs.set(this.xs);
    ys.set(this.ys);
    this.xs = xs;
    this.ys = ys;
  }
}

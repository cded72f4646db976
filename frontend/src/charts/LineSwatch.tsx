/** A short sample of a chart line (color, dash, thickness) for legends and keys. */
export function LineSwatch({
  color,
  dash,
  width = 22,
  thickness = 3,
}: {
  color: string;
  dash: number[];
  width?: number;
  thickness?: number;
}) {
  return (
    <svg width={width} height="10" aria-hidden="true">
      <line
        x1="1"
        y1="5"
        x2={width - 1}
        y2="5"
        stroke={color}
        stroke-width={thickness}
        stroke-dasharray={dash.join(" ")}
      />
    </svg>
  );
}

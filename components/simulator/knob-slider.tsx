"use client";

/**
 * The simulator's quality-versus-cost slider. It moves over the computed settings only (by index:
 * the knobs are not evenly spaced), so what it shows is what was replayed.
 */
export function KnobSlider({ stops, index, onKnob, label = "Quality versus cost", testId = "sim-knob" }: { stops: { knob: number }[]; index: number; onKnob: (knob: number) => void; label?: string; testId?: string }) {
  const sel = stops[index];
  return (
    <label className="block space-y-1">
      <span className="font-medium" data-testid={testId}>
        Quality versus cost: {sel.knob.toFixed(2)}
      </span>
      <input
        type="range"
        min={0}
        max={stops.length - 1}
        step={1}
        value={index}
        onChange={(e) => onKnob(stops[Number(e.target.value)].knob)}
        className="w-full"
        aria-label={label}
        aria-valuetext={sel.knob.toFixed(2)}
      />
      <span className="flex justify-between text-xs text-zinc-500">
        <span>cheaper</span>
        <span>{stops.length} computed settings</span>
        <span>better</span>
      </span>
    </label>
  );
}

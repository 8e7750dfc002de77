/** Step-list edits for the pipeline builder. "Parallel with the previous step" means nothing for the first step, so it is cleared whenever a step becomes the first. */
type Parallel = { parallel: boolean };

const firstNotParallel = <T extends Parallel>(steps: T[]): T[] => (steps[0]?.parallel ? [{ ...steps[0], parallel: false }, ...steps.slice(1)] : steps);

/** Moves step `i` by `by` places (−1 up, +1 down); a move past either end changes nothing. */
export function moveStep<T extends Parallel>(steps: T[], i: number, by: number): T[] {
  const to = i + by;
  if (i < 0 || i >= steps.length || to < 0 || to >= steps.length) return steps;
  const next = [...steps];
  const [x] = next.splice(i, 1);
  next.splice(to, 0, x);
  return firstNotParallel(next);
}

export function removeStep<T extends Parallel>(steps: T[], i: number): T[] {
  return firstNotParallel(steps.filter((_, j) => j !== i));
}

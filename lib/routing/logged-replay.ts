/**
 * The routing simulator on a team's own logged ratings. Each logged result was answered by one
 * model and only that answer was rated, so a full replay (every model's score per prompt) is
 * impossible. This is the replay method for logged bandit feedback (Li, Chu, Langford & Wang 2011,
 * "Unbiased offline evaluation of contextual-bandit-based news article recommendation
 * algorithms"): walk the results oldest first; where the router, learning only from what it has
 * been shown, chooses the model that was logged, the result counts — its rating and real cost are
 * added and the rating is fed back, as a rating would be; anywhere else nothing is revealed, so
 * the result is skipped. The estimate is unbiased only when the logged choices were uniformly random.
 */
import { DOMAINS, type Domain, type TaskProfile } from "@/lib/analysis/types";
import { applyOutcome, emptySnapshot, seededRng } from "@/lib/learning";
import { isRefusal, route } from "./route";
import type { RouteCandidate, RouteSettings } from "./types";

/** One rated result of the team's. */
export interface LoggedEvent {
  /** The model that answered. */
  model: string;
  /** The task as the analyser described it, rebuilt from the requests row (`profileFromRow`). */
  profile: TaskProfile;
  /** The mean of its ratings, 0..1 (thumbs up 1, down 0, stars (n−1)/4). */
  rating: number;
  /** What the answer cost, micro-dollars. */
  costMicros: number;
}

export interface LoggedReplayOptions {
  knobs: number[];
  seed: number;
  /** The team's routing settings besides the knob (allow-list, exploration caps). */
  settings: Omit<RouteSettings, "qualityVsCost">;
}

export interface LoggedPoint {
  knob: number;
  /** Results where the router chose the logged model: the only ones that count. */
  matched: number;
  /** Mean rating over the matched results; null without any. */
  quality: number | null;
  /** Mean cost per matched result, micro-dollars; null without any. */
  costMicros: number | null;
  /** Matched results where the choice was an exploration (Thompson sampling). */
  explored: number;
}

export interface LoggedSingle {
  model: string;
  /** Rated results it answered. */
  events: number;
  /** Its mean rating over them. */
  quality: number;
  /** Its mean cost per result, micro-dollars. */
  costMicros: number;
}

export interface LoggedReplayResult {
  /** All rated results walked. */
  events: number;
  /** The models the router could choose: those that answered a rated result and are in the fleet. */
  candidates: string[];
  points: LoggedPoint[];
  singles: LoggedSingle[];
}

/** Below this many matched results a point is not drawn: its mean says little. */
export const MIN_MATCHED = 5;

/** Every model that answered a rated result: its mean rating and mean cost per result, best first. */
export function loggedSingles(events: LoggedEvent[]): LoggedSingle[] {
  const by = new Map<string, { n: number; q: number; c: number }>();
  for (const e of events) {
    const s = by.get(e.model) ?? { n: 0, q: 0, c: 0 };
    s.n++;
    s.q += e.rating;
    s.c += e.costMicros;
    by.set(e.model, s);
  }
  return [...by]
    .map(([model, s]) => ({ model, events: s.n, quality: s.q / s.n, costMicros: s.c / s.n }))
    .sort((a, b) => b.quality - a.quality || a.costMicros - b.costMicros || (a.model < b.model ? -1 : 1));
}

/**
 * The replay: for every knob, from an empty learning snapshot (the team's own already holds these
 * ratings) and an rng seeded the same way, `route()` chooses among the candidates that answered
 * some rated result; a result counts where it chose that result's model. `events` oldest first.
 */
export function replayLogged(events: LoggedEvent[], fleet: RouteCandidate[], opts: LoggedReplayOptions): LoggedReplayResult {
  const answered = new Set(events.map((e) => e.model));
  const candidates = fleet.filter((c) => answered.has(c.id));
  const points = opts.knobs.map((knob): LoggedPoint => {
    const learned = emptySnapshot();
    const rng = seededRng(opts.seed);
    let matched = 0;
    let q = 0;
    let c = 0;
    let explored = 0;
    for (const e of events) {
      const d = route(e.profile, candidates, { learned, settings: { ...opts.settings, qualityVsCost: knob }, rng });
      // A refusal (a private task with no local model among the candidates, …) reveals nothing either.
      if (isRefusal(d) || d.model !== e.model) continue;
      matched++;
      q += e.rating;
      c += e.costMicros;
      if (d.explored) explored++;
      applyOutcome(learned, { domain: e.profile.domain, model: e.model, y: e.rating }, { mutate: true });
    }
    return { knob, matched, quality: matched ? q / matched : null, costMicros: matched ? c / matched : null, explored };
  });
  return { events: events.length, candidates: candidates.map((c) => c.id).sort(), points, singles: loggedSingles(events) };
}

/**
 * A TaskProfile from a requests row's `task_profile` (stored without its vector, features and
 * domain scores). Rows written before a field existed get the analyser's neutral value for it.
 */
export function profileFromRow(stored: Record<string, unknown> | null, rowDomain: string | null): TaskProfile {
  const p = (stored ?? {}) as Partial<TaskProfile>;
  const domainOf = (d: unknown): Domain | undefined => (DOMAINS.includes(d as Domain) ? (d as Domain) : undefined);
  const contextTokens = p.contextTokens ?? 0;
  const trimmableTokens = p.trimmableTokens ?? 0;
  return {
    empty: p.empty ?? false,
    domain: domainOf(p.domain) ?? domainOf(rowDomain) ?? "chat",
    domainScores: {} as TaskProfile["domainScores"],
    domainConfidence: p.domainConfidence ?? 0,
    complexity: p.complexity ?? { score: 0, level: "simple" },
    contextTokens,
    taskTokens: p.taskTokens ?? Math.max(0, contextTokens - trimmableTokens),
    trimmableTokens,
    images: p.images ?? [],
    expectedOutputTokens: p.expectedOutputTokens ?? 0,
    quality: p.quality ?? { requirement: "normal", source: "default" },
    timeSensitivity: p.timeSensitivity ?? { level: "normal" },
    cost: p.cost ?? { sensitive: false },
    privacy: p.privacy ?? { private: false, reasons: [] },
    features: [],
    // Not stored; the replay starts from an empty snapshot, which has no text model to read it.
    vector: { indices: [], values: [] },
  };
}

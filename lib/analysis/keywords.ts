import { hashString, pairHash } from "./hash";
import { LANGUAGE_TABLE, LANGUAGE_URGENT } from "./keywords-languages";
import { DOMAINS, type Domain } from "./types";

/**
 * Domain evidence: word (or two-word phrase) → weight. Matched on lower-cased words, looked up by
 * hash so the scan allocates no strings. Weights were set by hand and checked against the
 * labelled set in labelled-tasks.ts.
 */
const TABLE: Record<Domain, Record<string, number>> = {
  code: {
    code: 1.5, implement: 2, implementation: 1.5, function: 1.5, functions: 1.5, class: 1, method: 1,
    script: 1.5, api: 1, endpoint: 1.5, python: 2, javascript: 2, typescript: 2, java: 1.5, rust: 1.5,
    golang: 1.5, go: 0.3, sql: 1.5, regex: 1.5, algorithm: 1, refactor: 2.5, program: 1.5, compile: 1,
    tests: 1, react: 1.5, component: 1, css: 1.5, html: 1.5, json: 0.5, library: 0.5, module: 0.5,
    def: 1.5, return: 1, returns: 1, import: 1, const: 1, async: 1, await: 1, npm: 1, cli: 1.5, parse: 1,
    parser: 1, backend: 1, frontend: 1, docker: 1, dockerfile: 2, kubernetes: 1, bash: 1, snippet: 1.5,
    array: 1, list: 0.3, string: 0.7, integer: 0.7, dictionary: 0.7, loop: 1, recursion: 1,
    recursive: 1, "write a": 0.3, "unit tests": 1.5, endpoint_: 0, hook: 0.5, struct: 1, lambda: 1,
    sorting: 0.7, "linked list": 2, comprehension: 1.5, "binary tree": 2, class_: 0, cpp: 1.5, kotlin: 1.5,
    swift: 1, php: 1.5, ruby: 1, graphql: 1.5, migration: 0.3, queries: 0.5, vue: 1, angular: 1,
  },
  debug: {
    bug: 3, bugs: 3, debug: 3, debugging: 3, error: 2, errors: 2, exception: 2.5, traceback: 3.5,
    stacktrace: 3.5, crash: 2.5, crashes: 2.5, crashing: 2.5, fails: 2, failing: 2, failed: 1.5,
    broken: 2, fix: 2, segfault: 3.5, undefined: 1, nan: 1, typeerror: 3.5, valueerror: 3.5,
    keyerror: 3.5, referenceerror: 3.5, nullpointerexception: 3.5, panic: 1.5, leak: 2, hangs: 1.5,
    wrong: 1, unexpected: 1, "doesn't work": 2, "not working": 2.5, "doesnt work": 2, regression: 1.5,
    flaky: 2, deadlock: 2.5, "race condition": 2.5, timeout: 1, throws: 2, thrown: 1.5, "stack trace": 3,
    "why does": 1, "why is": 0.7, "off by": 1.5, infinite: 0.7, freezes: 2, "500": 0.5, uncaught: 3,
  },
  docs: {
    document: 2, documentation: 3.5, docs: 3, readme: 3.5, docstring: 4.5, docstrings: 4.5, jsdoc: 3.5,
    comments: 1, changelog: 3.5, guide: 1.5, tutorial: 1.5, manual: 1.5, "api reference": 2.5,
    describe: 0.5, onboarding: 1.5, wiki: 2, specification: 1.5, reference: 1, "release notes": 3,
    "user guide": 3, faq: 2, "how-to": 1.5, "document the": 2, "getting started": 2, usage: 0.7,
    annotate: 1.5, contributing: 2,
  },
  analysis: {
    analyse: 3, analyze: 3, analysis: 3, compare: 2, comparison: 2, evaluate: 2, assess: 2,
    assessment: 2, pros: 1.5, cons: 1.5, tradeoffs: 2, "trade offs": 2, trends: 2, data: 1, dataset: 1.5,
    metrics: 1.5, insights: 2, review: 1.5, benchmark: 1, statistics: 1, correlation: 2, churn: 1.5,
    impact: 1.5, risks: 1.5, sentiment: 2, examine: 2, investigate: 1.5, breakdown: 1.5, "root cause": 2,
    versus: 1.5, vs: 1.5, critique: 2, swot: 3, competitors: 1.5, kpis: 1.5, survey: 1, findings: 1.5,
    interpret: 1.5, identify: 0.7, patterns: 1, revenue: 1, report: 0.7,
  },
  planning: {
    plan: 3, planning: 3, roadmap: 3.5, schedule: 2, milestones: 3, milestone: 3, timeline: 2, steps: 1,
    strategy: 2, prioritize: 2, prioritise: 2, sprint: 2, organize: 1.5, organise: 1.5, itinerary: 3.5,
    agenda: 2.5, rollout: 2, launch: 1, goals: 1.5, okrs: 2.5, phases: 2, weeks: 1, quarter: 1.5,
    outline: 1.5, checklist: 2, architecture: 1, "plan step": 1, deadline: 1.5, backlog: 2,
    allocate: 1.5, resources: 0.7, "project plan": 3, curriculum: 2, "study plan": 3, trip: 1.5,
    prepare: 1, steps_: 0, workflow: 1, "how should we": 1.5, tasks: 0.7,
  },
  creative: {
    story: 3, stories: 3, poem: 3.5, poetry: 3.5, haiku: 3.5, lyrics: 3.5, song: 2, novel: 2, fiction: 3,
    character: 1.5, characters: 1.5, plot: 2, creative: 2, slogan: 3, slogans: 3, tagline: 3,
    taglines: 3, jokes: 2.5, joke: 2.5, funny: 1.5, imagine: 1.5, fantasy: 2, dialogue: 1.5,
    screenplay: 3.5, limerick: 3.5, rhyme: 2, metaphor: 1.5, brainstorm: 2, names: 1, tweet: 1.5,
    blog: 1.5, essay: 1, marketing: 1.5, catchy: 2, narrative: 2, verse: 2, sonnet: 3.5, "short story": 2,
    fairy: 2, villain: 2, hero: 1.5, dragon: 1.5, invent: 1.5, toast: 1.5, speech: 1, wedding: 1,
  },
  summary: {
    summarize: 4, summarise: 4, summary: 3.5, summaries: 3.5, tldr: 4, tl: 2, "tl dr": 4, condense: 3,
    recap: 3, gist: 3, shorten: 2, briefly: 1, "key points": 2.5, abstract: 1, digest: 2, highlights: 2,
    overview: 1.5, synopsis: 4.5, "main points": 2.5, takeaways: 2.5, "in short": 1.5, "boil down": 2.5,
    "few sentences": 1.5, "one paragraph": 1, "one sentence": 1.5,
  },
  translation: {
    translate: 5, translation: 5, translated: 4, translating: 4, translator: 4, localize: 2, localise: 2,
    french: 1, german: 1, spanish: 1, italian: 1, japanese: 1, chinese: 1, korean: 1, portuguese: 1,
    russian: 1, arabic: 1, dutch: 1, hindi: 1, polish: 1, swedish: 1, turkish: 1, "into english": 3,
    "into french": 3, "into german": 3, "into spanish": 3, "into japanese": 3, "into chinese": 3,
    "to english": 2, "to french": 2, "to german": 2, "to spanish": 2, "in french": 1.5, "in german": 1.5,
    "in spanish": 1.5, "in russian": 1.5, "in japanese": 1.5, "in chinese": 1.5, "in english": 1, traduire: 4, traducir: 4, übersetze: 4, übersetzen: 4,
  },
  math: {
    solve: 2, equation: 3, equations: 3, integral: 3.5, derivative: 3.5, calculate: 2, compute: 1.5,
    prove: 2.5, proof: 2.5, theorem: 3, probability: 3, sum: 1, math: 3, maths: 3, mathematical: 3,
    algebra: 3, geometry: 3, matrix: 1.5, factor: 1, prime: 2, primes: 2, percent: 1.5, percentage: 1.5,
    average: 1, formula: 2, triangle: 2, area: 1, logic: 1.5, puzzle: 2, riddle: 2, reasoning: 2,
    deduce: 2, "how many": 1.5, multiply: 2, divide: 2, fraction: 2, ratio: 1.5, "step by step": 1,
    divisible: 2.5, integers: 1, polynomial: 3, sqrt: 2, log: 0.5, limit: 0.7, expected: 0.5,
    "the value of": 1.5, remainder: 2, digits: 1, perimeter: 2.5, radius: 2, speed: 0.5, km: 0.7,
    mph: 1, discount: 1.5, price: 0.5, apples: 1, "how much": 1, "if a": 0.5, minimum: 0.5, maximum: 0.5, infer: 1,
  },
  chat: {
    hi: 2, hello: 2, hey: 2, thanks: 2, thank: 1.5, chat: 2, "how are you": 3, "good morning": 2.5,
    "what's up": 2, "tell me about": 1, recommend: 1, suggestion: 0.7, opinion: 1, favorite: 1, advice: 1,
    "can you": 0.3, "who was": 1, "what is a": 0.5, capital: 0.7,
  },
};

export const FLAG_HARD = 1;
export const FLAG_URGENT = 2;
export const FLAG_QUALITY = 4;
export const FLAG_CHEAP = 8;

const FLAGGED: [number, string[]][] = [
  [
    FLAG_HARD,
    [
      "optimize", "optimise", "distributed", "concurrency", "concurrent", "architecture", "prove", "proof",
      "scalable", "scalability", "security", "migrate", "migration", "refactor", "tradeoffs", "tradeoff",
      "edge", "performance", "latency", "consistency", "theorem", "rigorous", "formal", "complexity",
      "multithreaded", "asynchronous", "cryptography", "compiler", "kernel", "production", "regulatory",
      "comprehensive", "detailed", "thorough", "novel", "constraints", "invariant", "derive",
    ],
  ],
  [FLAG_URGENT, ["urgent", "urgently", "asap", "immediately", "quickly", "hurry", "now", ...LANGUAGE_URGENT]],
  [FLAG_QUALITY, ["critical", "production", "carefully", "accurate", "precise", "legal", "medical"]],
  // Not "budget": a task about a budget ("analyse our marketing budget") is not a request to be cheap.
  [FLAG_CHEAP, ["cheap", "cheaply", "inexpensive", "rough", "draft", "quick"]],
];

/**
 * Open-addressing table over 32-bit word / phrase hashes (a Map lookup per word was the
 * analyser's main cost). Entry e has evidence ENTRY_DOMAINS[e][k] += ENTRY_WEIGHTS[e][k] and
 * ENTRY_FLAGS[e].
 */
const TABLE_BITS = 12;
const TABLE_MASK = (1 << TABLE_BITS) - 1;
const slotKeys = new Uint32Array(1 << TABLE_BITS);
const slotEntry = new Int32Array(1 << TABLE_BITS).fill(-1);
export const ENTRY_DOMAINS: number[][] = [];
export const ENTRY_WEIGHTS: number[][] = [];
export const ENTRY_FLAGS: number[] = [];

/** Entry index of a word / phrase hash, or -1. */
export function lookup(h: number): number {
  let i = h & TABLE_MASK;
  for (;;) {
    const e = slotEntry[i];
    if (e < 0) return -1;
    if (slotKeys[i] === h) return e;
    i = (i + 1) & TABLE_MASK;
  }
}

function entryFor(h: number): number {
  let i = h & TABLE_MASK;
  while (slotEntry[i] >= 0) {
    if (slotKeys[i] === h) return slotEntry[i];
    i = (i + 1) & TABLE_MASK;
  }
  const e = ENTRY_FLAGS.length;
  ENTRY_DOMAINS.push([]);
  ENTRY_WEIGHTS.push([]);
  ENTRY_FLAGS.push(0);
  slotKeys[i] = h;
  slotEntry[i] = e;
  return e;
}

/** Scripts the analyser reads one character at a time (analyse.ts scan): Chinese, Japanese kana, Thai. */
export function isIdeograph(c: number): boolean {
  return (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0x0e00 && c <= 0x0e7f);
}

function phraseHash(phrase: string): number {
  const hs = phrase
    .toLowerCase()
    .split(/[^a-z0-9_\u0080-\uffff]+/)
    .filter(Boolean)
    // Each ideograph is a word of its own, as the scan reads it.
    .flatMap((w) => (isIdeograph(w.charCodeAt(0)) ? [...w] : [w]))
    .map((w) => hashString(w));
  if (hs.length > 3) throw new Error(`keyword phrase longer than 3 words: ${phrase}`);
  // Phrases match on consecutive words; the key chains pairHash over the words.
  let key = hs[0];
  for (let i = 1; i < hs.length; i++) key = pairHash(key, hs[i]);
  return key;
}

for (let d = 0; d < DOMAINS.length; d++) {
  // English and the other languages; a word both spell alike keeps the larger weight.
  const merged: Record<string, number> = { ...TABLE[DOMAINS[d]] };
  for (const [phrase, weight] of Object.entries(LANGUAGE_TABLE[DOMAINS[d]])) merged[phrase] = Math.max(weight, merged[phrase] ?? 0);
  for (const [phrase, weight] of Object.entries(merged)) {
    if (weight <= 0) continue;
    const e = entryFor(phraseHash(phrase));
    ENTRY_DOMAINS[e].push(d);
    ENTRY_WEIGHTS[e].push(weight);
  }
}
for (const [flag, words] of FLAGGED) for (const w of words) ENTRY_FLAGS[entryFor(hashString(w))] |= flag;
if (ENTRY_FLAGS.length > (1 << TABLE_BITS) / 2) throw new Error("keyword table too full");

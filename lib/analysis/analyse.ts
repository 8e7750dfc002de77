import { FNV_OFFSET as FNV_OFFSET_, fnvStep, hashString, type SparseVector } from "./hash";

const FNV_OFFSET = FNV_OFFSET_;
import * as kw from "./keywords";
import { estimateTokens as estimateTokens_ } from "@/lib/providers/tokens";
import { detectPrivacy } from "./privacy";
import {
  DOMAINS,
  type AnalyseInput,
  type ComplexityLevel,
  type Domain,
  type Priority,
  type ProfileFeature,
  type QualityRequirement,
  type TaskProfile,
} from "./types";

/** Hashed vector width (2^14). Word and bigram hashes are folded into it. */
export const VECTOR_DIM = 1 << 14;
const MASK = VECTOR_DIM - 1;
/** Below this much keyword evidence a task is "chat". */
const MIN_DOMAIN_EVIDENCE = 1.5;

const TYPE_ALIASES: Record<string, Domain> = {
  coding: "code", programming: "code", debugging: "debug", bugfix: "debug", documentation: "docs",
  doc: "docs", research: "analysis", reasoning: "math", maths: "math", summarization: "summary",
  summarisation: "summary", summarize: "summary", summarise: "summary", translate: "translation",
  writing: "creative", conversation: "chat", general: "chat", plan: "planning",
};

const NUM_HASH = [1, 2, 3, 4, 5].map((n) => hashString(`#num${n}`));
const MARK = {
  fence: hashString("#fence"), manyLines: hashString("#lines>20"), someLines: hashString("#lines>3"),
  codeDense: hashString("#codechars"), nonAscii: hashString("#nonascii"), question: hashString("#question"),
  digitsDense: hashString("#digits"), len: [0, 1, 2, 3, 4, 5, 6].map((b) => hashString(`#len${b}`)),
  domain: DOMAINS.map((d) => hashString(`#domain:${d}`)), bias: hashString("#bias"),
};
const PUNCT_HASH = Array.from({ length: 128 }, (_, c) => fnvStep(FNV_OFFSET ^ 0x5bd1e995, c));

// Local copies: module-interop getters on imported functions cost more than the scan itself.
const { ENTRY_DOMAINS, ENTRY_FLAGS, ENTRY_WEIGHTS, FLAG_CHEAP, FLAG_HARD, FLAG_QUALITY, FLAG_URGENT } = kw;
const lookup = kw.lookup;
const estimateTokens = estimateTokens_;
const isIdeograph = kw.isIdeograph;

/** Same as hash.ts pairHash, inlined for the hot loop. */
function pairHash(a: number, b: number): number {
  return Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b) >>> 0;
}

// Scratch space for the vector: one module-level buffer, reset by finishVector (JS is single-threaded).
const scratch = new Float64Array(VECTOR_DIM);
const touched = new Int32Array(VECTOR_DIM);
let nTouched = 0;

function add(h: number, v: number): void {
  const i = h & MASK;
  if (scratch[i] === 0) touched[nTouched++] = i;
  scratch[i] += v;
}

function evidence(e: number, scores: Float64Array): void {
  const ds = ENTRY_DOMAINS[e];
  const ws = ENTRY_WEIGHTS[e];
  for (let k = 0; k < ds.length; k++) scores[ds[k]] += ws[k];
}

interface Scan {
  scores: Float64Array;
  words: number;
  lines: number;
  digits: number;
  codeChars: number;
  nonAscii: number;
  questions: number;
  fences: number;
  hard: number;
  urgent: number;
  quality: number;
  cheap: number;
  listItems: number;
}

/**
 * One pass over the lower-cased text: keyword evidence, counts, and the hashed n-gram counts left
 * in `scratch` for finishVector.
 */
function scan(text: string): Scan {
  const lower = text.toLowerCase();
  const scores = new Float64Array(DOMAINS.length);
  nTouched = 0;
  let words = 0, lines = 1, digits = 0, codeChars = 0, nonAscii = 0, questions = 0, fences = 0;
  let hard = 0, urgent = 0, quality = 0, cheap = 0, listItems = 0;
  let h = FNV_OFFSET;
  let len = 0;
  let allDigits = true;
  let prev = 0;
  let prevPair = 0;
  let lineStart = true;
  let inIdeograph = false;
  let apostrophe = false;
  const n = lower.length;
  for (let i = 0; i <= n; i++) {
    let c = i < n ? lower.charCodeAt(i) : 32;
    // Scripts written without spaces (Chinese, Japanese, Thai): each character is a word of its
    // own (and, with its neighbour, a bigram), or a whole sentence would be one unique token.
    // Their punctuation separates words; full-width ASCII forms count as ASCII.
    let ideograph = false;
    if (c > 127) {
      if (c >= 0xff01 && c <= 0xff5e) c -= 0xfee0;
      else if (c >= 0x3000 && c <= 0x303f) c = c === 0x3001 ? 44 : c === 0x3002 ? 46 : 32;
      else ideograph = isIdeograph(c);
    }
    const isDigit = c >= 48 && c <= 57;
    const wordChar = (c >= 97 && c <= 122) || isDigit || c === 95 || (c > 127 && !ideograph);
    if (wordChar && !inIdeograph) {
      h = Math.imul(h ^ c, 0x01000193) >>> 0;
      len++;
      if (!isDigit) allDigits = false;
      else digits++;
      if (c > 127) nonAscii++;
      continue;
    }
    if (len > 0) {
      const w = allDigits ? NUM_HASH[Math.min(len, 5) - 1] : h;
      words++;
      const e = lookup(w);
      if (e >= 0) {
        evidence(e, scores);
        const f = ENTRY_FLAGS[e];
        if (f !== 0) {
          if (f & FLAG_HARD) hard++;
          if (f & FLAG_URGENT) urgent++;
          if (f & FLAG_QUALITY) quality++;
          if (f & FLAG_CHEAP) cheap++;
        }
      }
      add(w, 1);
      if (prev !== 0) {
        const pair = pairHash(prev, w);
        // Across an apostrophe the pair is looked up ("doesn't work", "mode d'emploi") but not
        // added to the vector, which reads "'" as punctuation.
        if (!apostrophe) add(pair, 0.5);
        const pe = lookup(pair);
        if (pe >= 0) evidence(pe, scores);
        if (prevPair !== 0) {
          const te = lookup(pairHash(prevPair, w));
          if (te >= 0) evidence(te, scores);
        }
        prevPair = pair;
      }
      prev = w;
      apostrophe = false;
      h = FNV_OFFSET;
      len = 0;
      allDigits = true;
    }
    inIdeograph = false;
    if (ideograph) {
      // Start a one-character word; the next character (of any kind) ends it.
      h = Math.imul(FNV_OFFSET ^ c, 0x01000193) >>> 0;
      len = 1;
      allDigits = false;
      inIdeograph = true;
      nonAscii++;
      continue;
    }
    if (wordChar) {
      // A letter or digit right after an ideograph ("用Python写") starts a word of its own: the
      // ideograph's word was emitted above; read this character again as a new word's first.
      i--;
      continue;
    }
    if (c === 10) {
      lines++;
      lineStart = true;
      continue;
    }
    if (c === 32 || c === 9 || c === 13) continue;
    if (lineStart && (c === 45 || c === 42) && i + 1 < n && lower.charCodeAt(i + 1) === 32) listItems++;
    lineStart = false;
    if (c === 96 && i + 2 < n && lower.charCodeAt(i + 1) === 96 && lower.charCodeAt(i + 2) === 96) fences++;
    if (c === 123 || c === 125 || c === 59 || c === 61 || c === 40 || c === 41 || c === 60 || c === 62 || c === 91 || c === 93) codeChars++;
    if (c === 63) questions++;
    // Punctuation is a token too: code markers, the "_" blank of a cloze question, "?"…
    add(PUNCT_HASH[c & 127], 0.5);
    if (c === 39 && prev !== 0 && !apostrophe) {
      apostrophe = true;
      continue;
    }
    prev = 0;
    prevPair = 0;
    apostrophe = false;
  }
  // Dense markers share the hashed space.
  if (fences > 0) add(MARK.fence, 1);
  if (lines > 20) add(MARK.manyLines, 1);
  else if (lines > 3) add(MARK.someLines, 1);
  if (codeChars > n * 0.02) add(MARK.codeDense, 1);
  if (nonAscii > n * 0.2) add(MARK.nonAscii, 1);
  if (questions > 0) add(MARK.question, 1);
  if (digits > n * 0.05) add(MARK.digitsDense, 1);
  add(MARK.len[Math.min(6, Math.floor(Math.log2(1 + n / 64)))], 1);
  return { scores, words, lines, digits, codeChars, nonAscii, questions, fences, hard, urgent, quality, cheap, listItems };
}

/** log-scaled counts, L2-normalised; resets the scratch buffer. */
function finishVector(extra: number[]): SparseVector {
  for (const x of extra) add(x, 1);
  const idx = touched.slice(0, nTouched).sort();
  const indices = new Array<number>(idx.length);
  const values = new Array<number>(idx.length);
  let norm = 0;
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    const v = Math.log1p(scratch[i]);
    indices[k] = i;
    values[k] = v;
    norm += v * v;
    scratch[i] = 0;
  }
  norm = Math.sqrt(norm) || 1;
  for (let k = 0; k < values.length; k++) values[k] /= norm;
  nTouched = 0;
  return { indices, values };
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

const OUTPUT_BASE: Record<Domain, number> = {
  code: 600, debug: 500, docs: 700, analysis: 600, planning: 600, creative: 700, summary: 300,
  translation: 0, math: 400, chat: 250,
};

/**
 * Task → TaskProfile. Pure and deterministic: the same input always gives the same profile, and
 * every decision is listed in `features` with its evidence.
 */
export function analyse(input: AnalyseInput): TaskProfile {
  const task = input.task ?? "";
  const features: ProfileFeature[] = [];
  const empty = task.trim().length === 0;
  const sc = scan(task);

  // Domain: an explicit type hint wins; otherwise keyword and pattern evidence.
  const scores = sc.scores;
  const di = (d: Domain) => DOMAINS.indexOf(d);
  if (sc.fences > 0) scores[di("code")] += 3;
  if (sc.codeChars > task.length * 0.03 && sc.codeChars >= 6) scores[di("code")] += 2;
  if (sc.digits > 0 && sc.codeChars > 0 && sc.digits > task.length * 0.03) scores[di("math")] += 1;
  // A problem report about code is debugging, however much code it quotes.
  if (scores[di("debug")] >= 2.5 && scores[di("code")] > 0) scores[di("debug")] += 1 + scores[di("code")] * 0.6;
  let best = 0;
  let second = -1;
  for (let d = 1; d < DOMAINS.length; d++) {
    if (scores[d] > scores[best]) {
      second = best;
      best = d;
    } else if (second < 0 || scores[d] > scores[second]) second = d;
  }
  let domain: Domain = scores[best] >= MIN_DOMAIN_EVIDENCE ? DOMAINS[best] : "chat";
  const hint = input.type?.trim().toLowerCase();
  const hinted = hint ? ((DOMAINS as readonly string[]).includes(hint) ? (hint as Domain) : TYPE_ALIASES[hint]) : undefined;
  let domainConfidence: number;
  if (hinted) {
    domain = hinted;
    domainConfidence = 1;
    features.push({ name: "domain", value: domain, why: `the caller's type "${input.type}"` });
  } else if (domain === "chat" && scores[best] < MIN_DOMAIN_EVIDENCE) {
    domainConfidence = empty ? 0 : round(0.5 - scores[best] / (2 * MIN_DOMAIN_EVIDENCE), 2);
    features.push({ name: "domain", value: "chat", why: `no domain had enough keyword evidence (best ${round(scores[best], 1)} < ${MIN_DOMAIN_EVIDENCE})` });
  } else {
    const margin = scores[best] - Math.max(0, scores[second]);
    domainConfidence = round(margin / (margin + 2), 2);
    features.push({
      name: "domain",
      value: domain,
      why: `keyword evidence ${round(scores[best], 1)} vs ${DOMAINS[second]} ${round(Math.max(0, scores[second]), 1)}`,
    });
  }
  const domainScores = Object.fromEntries(DOMAINS.map((d, i) => [d, round(scores[i], 2)])) as Record<Domain, number>;

  // Size.
  const turnTokens = input.conversation ? estimateTokens(input.conversation) : 0;
  // Images are not counted here: what one costs depends on the model (lib/providers/images), so the
  // router adds them per candidate to the part that is never trimmed.
  const images = input.images ?? [];
  const taskTokens = estimateTokens(task) + turnTokens;
  let trimmableTokens = input.context ? estimateTokens(input.context) : 0;
  for (const f of input.files ?? []) trimmableTokens += estimateTokens(f.content) + estimateTokens(f.path) + 4;
  const contextTokens = taskTokens + trimmableTokens;
  const of = turnTokens ? ` (of which ${turnTokens} the conversation's other turns)` : "";
  const pics = images.length ? ` + ${images.length} image${images.length > 1 ? "s" : ""}, counted per model` : "";
  features.push({ name: "contextTokens", value: contextTokens, why: `task ${taskTokens}${of} + context/files ${trimmableTokens} tokens (≈4 characters a token)${pics}` });

  // Complexity: length, structure, hard words, domain.
  const sizePart = Math.min(1, Math.log10(1 + contextTokens) / 4) * 0.35;
  const structurePart = Math.min(0.2, (sc.listItems + Math.max(0, sc.questions - 1)) * 0.04);
  const hardPart = Math.min(0.3, sc.hard * 0.08);
  const domainPart = domain === "math" || domain === "analysis" || domain === "planning" || domain === "debug" ? 0.1 : domain === "code" ? 0.07 : 0;
  const cscore = round(Math.min(1, sizePart + structurePart + hardPart + domainPart), 2);
  const level: ComplexityLevel = cscore < 0.3 ? "simple" : cscore < 0.55 ? "moderate" : "complex";
  features.push({
    name: "complexity",
    value: `${level} (${cscore})`,
    why: `size ${round(sizePart, 2)} + structure ${round(structurePart, 2)} (${sc.listItems} list items, ${sc.questions} questions) + hard terms ${round(hardPart, 2)} (${sc.hard}) + domain ${domainPart}`,
  });

  const base = OUTPUT_BASE[domain];
  const expectedOutputTokens = Math.round(
    domain === "translation" ? Math.max(50, contextTokens * 1.1) : domain === "summary" ? Math.min(base, 50 + contextTokens * 0.2) : base * (0.6 + cscore),
  );

  // Quality requirement.
  let requirement: QualityRequirement = "normal";
  let qsource: "input" | "inferred" | "default" = "default";
  if (input.qualityRequirement) {
    requirement = input.qualityRequirement;
    qsource = "input";
  } else if (sc.quality > 0 || level === "complex") {
    requirement = "high";
    qsource = "inferred";
  } else if (sc.cheap > 0) {
    requirement = "low";
    qsource = "inferred";
  }
  features.push({
    name: "qualityRequirement",
    value: requirement,
    why: qsource === "input" ? "set by the caller" : qsource === "inferred" ? (sc.quality > 0 ? "quality words (critical, production, …)" : level === "complex" ? "complex task" : "draft/cheap words") : "default",
  });

  // Time sensitivity.
  let tlevel: Priority = input.priority ?? "normal";
  if (!input.priority && sc.urgent > 0) tlevel = "high";
  const maxTimeMs = input.constraints?.maxTimeMs;
  if (maxTimeMs !== undefined && maxTimeMs < 5000 && tlevel !== "urgent") tlevel = "high";
  features.push({
    name: "timeSensitivity",
    value: tlevel,
    why: input.priority ? "priority set by the caller" : sc.urgent > 0 ? "urgency words (asap, urgent, …)" : maxTimeMs !== undefined ? `max_time ${maxTimeMs} ms` : "default",
  });

  // Cost constraints.
  const maxCostMicros = input.constraints?.maxCostMicros;
  const maxTokens = input.constraints?.maxTokens;
  const costSensitive = maxCostMicros !== undefined || sc.cheap > 0 || requirement === "low";
  features.push({
    name: "costSensitive",
    value: costSensitive,
    why: maxCostMicros !== undefined ? `max_cost ${maxCostMicros} µ$` : sc.cheap > 0 ? "cheap/draft words" : requirement === "low" ? "low quality requirement" : "no cost constraint",
  });

  const privacy = detectPrivacy(input);
  features.push({ name: "private", value: privacy.private, why: privacy.private ? privacy.reasons.join("; ") : "no secrets, personal data or private tag found" });

  const vector = finishVector([MARK.bias, MARK.domain[DOMAINS.indexOf(domain)]]);

  return {
    empty,
    domain,
    domainScores,
    domainConfidence,
    complexity: { score: cscore, level },
    contextTokens,
    taskTokens,
    trimmableTokens,
    images,
    expectedOutputTokens,
    quality: { requirement, source: qsource },
    timeSensitivity: maxTimeMs !== undefined ? { level: tlevel, maxTimeMs } : { level: tlevel },
    cost: {
      sensitive: costSensitive,
      ...(maxCostMicros !== undefined ? { maxCostMicros } : {}),
      ...(maxTokens !== undefined ? { maxTokens } : {}),
    },
    privacy,
    features,
    vector,
  };
}

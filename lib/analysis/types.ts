import type { ImageRef } from "@/lib/providers/images";
import type { SparseVector } from "./hash";

/** Task domains shared by analysis, routing and learning (same values as lib/providers' Domain). */
export type Domain =
  | "code"
  | "debug"
  | "docs"
  | "analysis"
  | "planning"
  | "creative"
  | "summary"
  | "translation"
  | "math"
  | "chat";

export const DOMAINS: readonly Domain[] = [
  "code",
  "debug",
  "docs",
  "analysis",
  "planning",
  "creative",
  "summary",
  "translation",
  "math",
  "chat",
];

export type Priority = "low" | "normal" | "high" | "urgent";
export type QualityRequirement = "low" | "normal" | "high";
export type ComplexityLevel = "simple" | "moderate" | "complex";

export interface AnalyseInput {
  task: string;
  /** A caller's hint such as "code" or "summarization"; honoured when it names a domain. */
  type?: string;
  /** Tags such as "private" or "confidential" (either makes the task local-only). */
  contextTags?: string[];
  context?: string;
  files?: { path: string; content: string }[];
  /**
   * A conversation's other turns (system prompt, earlier messages, tool calls and definitions):
   * checked for private data and counted in the size like the task, and like it never trimmed.
   * Not read for the domain, which is the task's.
   */
  conversation?: string;
  /** Images in the messages (`image_url` parts) with their sizes where known (`imagesOf`): the router counts them per model. */
  images?: readonly ImageRef[];
  constraints?: { maxTokens?: number; maxCostMicros?: number; maxTimeMs?: number };
  priority?: Priority;
  qualityRequirement?: QualityRequirement;
}

/** One decision of the analyser and the evidence for it, for a person to read. */
export interface ProfileFeature {
  name: string;
  value: string | number | boolean;
  why: string;
}

export interface TaskProfile {
  /** True when the task has no text: routing refuses it. */
  empty: boolean;
  domain: Domain;
  /** Keyword / pattern evidence per domain (0 where none); the argmax is `domain` unless a type hint wins. */
  domainScores: Record<Domain, number>;
  /** 0..1: how clearly the winning domain beat the runner-up. */
  domainConfidence: number;
  complexity: { score: number; level: ComplexityLevel };
  /** Estimated input tokens of the text: task + context + files (images are counted per model: `images`). */
  contextTokens: number;
  /** Tokens of the task text with a conversation's other turns: with the images, the part that can never be trimmed. */
  taskTokens: number;
  /** Tokens of context + files: the part the optimiser may trim or summarise. */
  trimmableTokens: number;
  /**
   * The request's images (size where read, detail): never trimmed, and counted per model, as vendors
   * bill one picture anywhere from 85 to 48,169 tokens (`imageTokensOn` in lib/providers/images).
   */
  images: readonly ImageRef[];
  /** Estimated answer length, used for cost and max_tokens checks. */
  expectedOutputTokens: number;
  quality: { requirement: QualityRequirement; source: "input" | "inferred" | "default" };
  timeSensitivity: { level: Priority; maxTimeMs?: number };
  cost: { sensitive: boolean; maxCostMicros?: number; maxTokens?: number };
  privacy: { private: boolean; reasons: string[] };
  features: ProfileFeature[];
  /**
   * Hashed word uni/bigrams plus a few dense markers, L2-normalised. Input of the learned text
   * model (lib/learning/text-model.ts). Not meant for storage or display.
   */
  vector: SparseVector;
}

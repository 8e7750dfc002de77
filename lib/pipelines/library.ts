import type { StepDef } from "./schemas";

export type PipelineTemplate = { id: string; name: string; description: string; steps: StepDef[] };

/** Ready-made definitions, including the seed's two examples. Models may be changed in the builder. */
export const PIPELINE_TEMPLATES: PipelineTemplate[] = [
  {
    id: "summarise-analyse-optimise",
    name: "Summarise → analyse → optimise",
    description: "A cheap model condenses the material, a strong model analyses the summary, a third proposes improvements.",
    steps: [
      { key: "summarize", kind: "prompt", model: "mistral-small-latest", group: 0, template: "Summarise the following in at most five bullet points:\n\n{{input}}" },
      {
        key: "analyze",
        kind: "prompt",
        model: "claude-sonnet-4-20250514",
        group: 1,
        template: "Analyse this summary: what are the main risks, open questions and assumptions?\n\nSummary:\n{{steps.summarize}}",
      },
      {
        key: "optimize",
        kind: "prompt",
        model: "grok-3-mini",
        group: 2,
        template: "Given the summary and the analysis below, propose three concrete improvements, most valuable first.\n\nSummary:\n{{steps.summarize}}\n\nAnalysis:\n{{steps.analyze}}",
      },
    ],
  },
  {
    id: "code-documentation",
    name: "Code → documentation",
    description: "A code model writes the implementation; a second model documents it.",
    steps: [
      { key: "code", kind: "prompt", model: "codestral-latest", group: 0, template: "Write the code for this request. Answer with the code only.\n\n{{input}}" },
      {
        key: "docs",
        kind: "prompt",
        model: "gpt-4.1-mini",
        group: 1,
        template: "Write documentation for this code: what it does, how to call it, and one example.\n\nRequest:\n{{input}}\n\nCode:\n{{steps.code}}",
      },
    ],
  },
  {
    id: "instruction-synthesis",
    name: "Instruction synthesis",
    description: "A strong model writes step-by-step instructions; a cheap model carries them out. The step shows both costs and the saving.",
    steps: [{ key: "solve", kind: "synthesis", strongModel: "claude-sonnet-4-20250514", model: "gpt-4o-mini", group: 0, template: "{{input}}" }],
  },
  {
    id: "parallel-review",
    name: "Two reviews in parallel, then a verdict",
    description: "Two models review the input at the same time; a third weighs both reviews.",
    steps: [
      { key: "review_a", kind: "prompt", model: "gpt-4.1-mini", group: 0, template: "Review this critically. List its weaknesses.\n\n{{input}}" },
      { key: "review_b", kind: "prompt", model: "claude-3-5-haiku-20241022", group: 0, template: "Review this generously. List its strengths.\n\n{{input}}" },
      {
        key: "verdict",
        kind: "prompt",
        model: "auto",
        group: 1,
        template: "Weigh the two reviews below and give a short verdict.\n\nWeaknesses:\n{{steps.review_a}}\n\nStrengths:\n{{steps.review_b}}",
      },
    ],
  },
];

export function findTemplate(id: string | undefined | null): PipelineTemplate | undefined {
  return PIPELINE_TEMPLATES.find((t) => t.id === id);
}

/**
 * Prompt templates: `{{input}}` is the run's input, `{{steps.KEY}}` (or `{{steps.KEY.output}}`)
 * the output of an earlier step. Pure; used by validation at save time and by the runner.
 */

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

export type TemplateRef = { kind: "input" } | { kind: "step"; key: string } | { kind: "unknown"; text: string };

export function parsePlaceholder(text: string): TemplateRef {
  if (text === "input") return { kind: "input" };
  const m = /^steps\.([A-Za-z0-9_-]+)(?:\.output)?$/.exec(text);
  if (m) return { kind: "step", key: m[1] };
  return { kind: "unknown", text };
}

/** Every placeholder in a template, in order of appearance. */
export function templateRefs(template: string): TemplateRef[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => parsePlaceholder(m[1]));
}

/** The keys of the steps a template reads, deduplicated. */
export function stepRefs(template: string): string[] {
  return [...new Set(templateRefs(template).flatMap((r) => (r.kind === "step" ? [r.key] : [])))];
}

/** The template with its placeholders removed: the part whose length is known at save time. */
export function staticText(template: string): string {
  return template.replace(PLACEHOLDER, "");
}

/**
 * Fills a template. A reference to a step without an output is an error rather than an empty
 * string: a prompt silently missing its material would still be paid for.
 */
export function renderTemplate(template: string, vars: { input: string; steps: Record<string, string | null | undefined> }): string {
  return template.replace(PLACEHOLDER, (_all, inner: string) => {
    const ref = parsePlaceholder(inner.trim());
    if (ref.kind === "input") return vars.input;
    if (ref.kind === "step") {
      const out = vars.steps[ref.key];
      if (out === undefined || out === null) throw new Error(`The template uses {{steps.${ref.key}}}, which has no output yet.`);
      return out;
    }
    throw new Error(`Unknown placeholder {{${ref.text}}}. Use {{input}} or {{steps.KEY}}.`);
  });
}

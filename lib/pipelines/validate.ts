import { estimateTokens } from "@/lib/providers/cost";
import { formatUsdApart } from "@/lib/format";
import type { StepDef } from "./schemas";
import { staticText, stepRefs, templateRefs } from "./template";

/** `maxOutputTokens`: the most the model answers in one response; null or absent when unknown. */
export type ModelInfo = { name: string; enabled: boolean; inputPriceMicros: number; outputPriceMicros: number; maxOutputTokens?: number | null };
export type FieldErrors = Record<string, string[]>;

/**
 * What can be known wrong with a definition when it is saved: duplicate keys, a template naming a
 * missing step or an unknown placeholder, a cycle, a step reading a step that does not run
 * before it, an unknown or disabled model, an output limit above what the named model answers in one
 * response, and a cost cap that the template's fixed text alone already exceeds at the named model's
 * input price. Everything else (a model disabled later, a budget
 * running out, an answer costing more than an `auto` step's cap) is found when the run gets there.
 */
export function validateSteps(steps: StepDef[], models: Map<string, ModelInfo> | null): FieldErrors {
  const errors: FieldErrors = {};
  const add = (field: string, msg: string) => (errors[field] ??= []).push(msg);
  const byKey = new Map<string, { def: StepDef; index: number }>();
  steps.forEach((def, i) => {
    if (byKey.has(def.key)) add(`steps.${i}.key`, `Another step is already called "${def.key}"; keys must be unique.`);
    else byKey.set(def.key, { def, index: i });
  });

  steps.forEach((def, i) => {
    for (const ref of templateRefs(def.template)) {
      if (ref.kind === "unknown") add(`steps.${i}.template`, `Unknown placeholder {{${ref.text}}}. Use {{input}} or {{steps.KEY}}.`);
      else if (ref.kind === "step" && !byKey.has(ref.key)) add(`steps.${i}.template`, `The template names a missing step "${ref.key}". Steps: ${[...byKey.keys()].join(", ")}.`);
      else if (ref.kind === "step" && ref.key === def.key) add(`steps.${i}.template`, `Step "${def.key}" cannot read its own output.`);
    }
    if (models) {
      for (const [field, name] of [["model", def.model], ["strongModel", def.strongModel]] as const) {
        if (!name || name === "auto") continue;
        const m = models.get(name);
        const enabled = () => [...models.values()].filter((x) => x.enabled).map((x) => x.name).sort().join(", ");
        if (!m) add(`steps.${i}.${field}`, `Unknown model "${name}". Use "auto" or one of: ${enabled()}.`);
        // Saved, the step could only fail when run: say so now, while the pipeline is being edited.
        else if (!m.enabled) add(`steps.${i}.${field}`, `Model "${name}" is disabled, so this step could not run. Choose another model or "auto", or ask an admin to enable it.`);
      }
    }
    // The step's own model writes its answer (a synthesis step's cheap model; the strong one writes instructions).
    const answering = models && def.model !== "auto" ? models.get(def.model) : undefined;
    if (def.maxOutputTokens !== undefined && answering?.maxOutputTokens != null && def.maxOutputTokens > answering.maxOutputTokens) {
      const n = answering.maxOutputTokens.toLocaleString("en-US");
      add(`steps.${i}.maxOutputTokens`, `${answering.name} answers at most ${n} tokens in one response, below this step's output limit of ${def.maxOutputTokens.toLocaleString("en-US")}. Lower the limit to ${n} or less, or choose another model or "auto".`);
    }
    if (def.kind !== "synthesis" && def.strongModel && def.strongModel !== "auto") {
      add(`steps.${i}.strongModel`, "Only synthesis steps have a strong model; remove it or make the step a synthesis step.");
    }
    if (def.maxCostMicros !== undefined && models && def.model !== "auto") {
      const priced = def.kind === "synthesis" && def.strongModel && def.strongModel !== "auto" ? models.get(def.strongModel) : def.kind === "prompt" ? models.get(def.model) : undefined;
      if (priced) {
        // A lower bound: the fixed text of the template and one output token, nothing else.
        const floor = Math.ceil((estimateTokens(staticText(def.template)) * priced.inputPriceMicros + priced.outputPriceMicros) / 1e6);
        if (floor > def.maxCostMicros) {
          const [cost, cap] = formatUsdApart(floor, def.maxCostMicros);
          add(`steps.${i}.maxCostMicros`, `Step "${def.key}" is over its cost cap: the template's fixed text alone costs at least ${cost} on ${priced.name}, more than the cap of ${cap}. Raise the cap or pick a cheaper model.`);
        }
      }
    }
  });

  const cycle = findCycle(steps);
  if (cycle) {
    const i = byKey.get(cycle[0])!.index;
    add(`steps.${i}.template`, `These steps read each other in a cycle: ${cycle.join(" → ")}. A step can only use steps that finish before it.`);
  } else {
    steps.forEach((def, i) => {
      for (const key of stepRefs(def.template)) {
        const dep = byKey.get(key);
        if (!dep || key === def.key) continue;
        if (dep.def.group >= def.group) {
          add(
            `steps.${i}.template`,
            dep.def.group === def.group
              ? `Step "${def.key}" uses {{steps.${key}}}, but they run in parallel. Move "${key}" to an earlier stage.`
              : `Step "${def.key}" uses {{steps.${key}}}, which runs after it. Move "${key}" before "${def.key}".`,
          );
        }
      }
    });
  }
  return errors;
}

/** A cycle in the "reads the output of" graph, as keys with the first repeated at the end; or null. */
export function findCycle(steps: Pick<StepDef, "key" | "template">[]): string[] | null {
  const deps = new Map(steps.map((s) => [s.key, stepRefs(s.template).filter((k) => k !== s.key)]));
  const state = new Map<string, 1 | 2>();
  const path: string[] = [];
  const visit = (k: string): string[] | null => {
    if (state.get(k) === 2 || !deps.has(k)) return null;
    if (state.get(k) === 1) return [...path.slice(path.indexOf(k)), k];
    state.set(k, 1);
    path.push(k);
    for (const d of deps.get(k)!) {
      const c = visit(d);
      if (c) return c;
    }
    path.pop();
    state.set(k, 2);
    return null;
  };
  for (const s of steps) {
    const c = visit(s.key);
    if (c) return c;
  }
  return null;
}

/** Steps grouped into stages, in the order they run: each stage's steps run in parallel. */
export function stagesOf<T extends { group: number }>(steps: T[]): T[][] {
  const groups = [...new Set(steps.map((s) => s.group))].sort((a, b) => a - b);
  return groups.map((g) => steps.filter((s) => s.group === g));
}

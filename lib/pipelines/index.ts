/** The pipelines service: definitions, runs, the runner and instruction synthesis. See README.md. */
export {
  archivePipeline,
  cancelRun,
  checkDefinition,
  createPipeline,
  getPipeline,
  getRun,
  listPipelines,
  listRuns,
  retryStep,
  startRun,
  updatePipeline,
  waitForRun,
  type RunStatus,
  type RunView,
  type StepStatus,
  type StepView,
} from "./service";
export { dispatchRun, reapOnce, startPipelineRunner, stopPipelineRunner, usesPgBoss } from "./queue";
export { executeRun, findOrphanedRuns } from "./runner";
export { estimateStrongAlone, runSynthesis, synthesisStream, type StrongAlone, type SynthesisResult } from "./synthesis";
export { PIPELINE_TEMPLATES, findTemplate, type PipelineTemplate } from "./library";
export { pipelineInputSchema, runInputSchema, stepDefSchema, synthesisInputSchema, type PipelineInput, type StepDef } from "./schemas";
export { validateSteps } from "./validate";

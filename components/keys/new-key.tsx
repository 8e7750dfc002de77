import { CopyButton } from "./copy-button";

/** A freshly created or rotated key: shown once, with a copy button. */
export function NewKeyNotice({ name, secret }: { name: string; secret: string }) {
  return (
    <div className="space-y-2 rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm dark:border-emerald-800 dark:bg-emerald-950" role="status">
      <p className="font-medium text-emerald-800 dark:text-emerald-300">Key “{name}” — copy it now. It is shown only once; Mission Control keeps only a hash.</p>
      <div className="flex items-center gap-2">
        <code className="flex-1 break-all rounded bg-white px-2 py-1 font-mono text-xs dark:bg-zinc-900" data-testid="new-api-key">
          {secret}
        </code>
        <CopyButton text={secret} />
      </div>
    </div>
  );
}

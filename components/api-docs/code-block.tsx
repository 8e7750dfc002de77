import { CopyButton } from "@/components/keys/copy-button";

export function CodeBlock({ title, code, testId }: { title: string; code: string; testId?: string }) {
  return (
    <figure className="space-y-1" data-testid={testId}>
      <figcaption className="flex items-center justify-between text-xs font-medium text-zinc-500">
        <span>{title}</span>
        <CopyButton text={code} />
      </figcaption>
      <pre className="overflow-x-auto rounded-md bg-zinc-950 p-3 text-xs leading-relaxed text-zinc-100">
        <code>{code}</code>
      </pre>
    </figure>
  );
}

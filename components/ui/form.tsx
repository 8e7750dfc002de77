import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes } from "react";

const field = "w-full rounded-md border border-zinc-300 bg-white px-3 py-1.5 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500 dark:border-zinc-700 dark:bg-zinc-950";

export function Field({ label, error, children, hint }: { label: string; error?: string[] | string; children: ReactNode; hint?: ReactNode }) {
  const msg = Array.isArray(error) ? error[0] : error;
  return (
    <label className="block space-y-1">
      <span className="text-sm font-medium text-zinc-700 dark:text-zinc-300">{label}</span>
      {children}
      {hint && !msg && <span className="block text-xs text-zinc-500">{hint}</span>}
      {msg && (
        <span className="block text-xs text-red-600 dark:text-red-400" role="alert">
          {msg}
        </span>
      )}
    </label>
  );
}

export function Input(props: InputHTMLAttributes<HTMLInputElement>) {
  return <input {...props} className={`${field} ${props.className ?? ""}`} />;
}

export function Select(props: SelectHTMLAttributes<HTMLSelectElement>) {
  return <select {...props} className={`${field} ${props.className ?? ""}`} />;
}

export function FormMessage({ state }: { state: { ok: boolean; error?: string } | null | undefined }) {
  if (!state || state.ok || !state.error) return null;
  return (
    <p className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700 dark:bg-red-950 dark:text-red-300" role="alert">
      {state.error}
    </p>
  );
}

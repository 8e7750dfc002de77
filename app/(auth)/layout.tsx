import type { ReactNode } from "react";

export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <main className="flex min-h-screen items-center justify-center p-6">
      <div className="w-full max-w-sm space-y-6">
        <div className="text-center">
          <div className="text-2xl font-bold tracking-tight">Mission Control</div>
          <p className="text-sm text-zinc-500">Many models, one budget, one place.</p>
        </div>
        {children}
      </div>
    </main>
  );
}
